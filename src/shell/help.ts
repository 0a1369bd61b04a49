// `help` at the main prompt and `help [OPERATION | TLS]` in the destconfig menu (issue 7): a sentence or two
// on each operation and each TLS mode. The same sentences are in docs/shell-terminal.md (a test keeps the
// two equal), which the README folds in.
import { TLS_LABELS } from '../table/fields.js';
import { TLS_MODES, type TlsMode } from '../table/types.js';
import type { Prompter } from './prompt.js';

/** What each destconfig operation does, in the menu's order. */
export const OPERATION_HELP: Readonly<Record<string, string>> = {
  SETUP:
    'Changes the global settings: the certificate used for outbound TLS (the bundled Demo certificate or a configured profile), whether an alert is sent when a required TLS connection fails, and whether DANE support is enabled.',
  NEW: 'Creates an entry for a domain, a .domain (every subdomain of it) or an IP address, asking for each setting in turn. A setting you do not give a value stays "Default" and follows the Default row.',
  EDIT: "Changes an existing entry: the questions of NEW, with the entry's current values as the defaults.",
  DELETE: 'Removes the entry of one domain, without asking for confirmation. The Default row cannot be deleted.',
  DEFAULT: 'Changes the Default row, which governs every destination without an entry and every setting that an entry leaves at "Default".',
  LIST: 'Shows one line per entry (rate limiting, TLS, bounce verification, bounce profile, IP version preference), with the Default row last.',
  DETAIL: 'Shows every setting of one entry, of the Default row ("default") or of all entries ("all"); a value inherited from the Default row reads "Default (value)".',
  CLEAR: 'Removes every entry; the Default row stays as it is.',
  IMPORT: 'Replaces the table with one read from an ESA table file in the configuration folder (<home>/configuration/); a file with any error changes nothing.',
  EXPORT: 'Writes the table to an ESA table file in the configuration folder (<home>/configuration/).',
};

/** What each TLS mode of NEW, EDIT and DEFAULT demands (reference §7.2; src/table/fields.ts predicates). */
export const TLS_HELP: Readonly<Record<TlsMode, string>> = {
  no: 'STARTTLS is never sent: mail to the domain goes in plain text.',
  preferred:
    'STARTTLS is used when the server offers it; when it is not offered or is refused, delivery goes on in plain text, but a handshake that fails after the server accepted STARTTLS ends that connection (no plain-text fallback). The certificate is not checked.',
  required: 'TLS must be negotiated before any mail is sent; otherwise nothing is sent on that connection, the next MX host is tried, and then the message is deferred. The certificate is not checked.',
  preferred_verify:
    'Like Preferred, and the certificate is verified too; the result is logged, but mail is delivered whether or not the certificate verifies.',
  required_verify:
    'TLS and a verified certificate are both required: a chain to a trusted CA, within its dates, naming the domain or its MX host (in subjectAltName or the CN). Otherwise the message is deferred.',
  required_verify_hosted:
    "Like Required - Verify, but only the certificate's subjectAltName DNS names count; its CN is used only when it has none (RFC 6125).",
};

/** What the Default choice means wherever a TLS mode is asked for an entry. */
export const TLS_DEFAULT_HELP = "An entry left at Default follows the Default row's TLS setting.";

/** Topics `help WORD` knows besides the commands and operations. */
export const TLS_TOPIC = 'TLS';

const COLUMNS = 78;

/** Word-wraps `text` to COLUMNS with `indent` before every line. */
export function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > COLUMNS) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function printEntry(p: Prompter, title: string, text: string): void {
  p.print(`  ${title}`, p.paint.heading);
  for (const line of wrap(text, '      ')) p.print(line);
}

export function printOperationsHelp(p: Prompter): void {
  p.print();
  p.print('destconfig operations (type the name at the menu prompt):');
  for (const [name, text] of Object.entries(OPERATION_HELP)) printEntry(p, name, text);
  p.print('Changes stay pending until "commit" at the main prompt.');
}

export function printTlsHelp(p: Prompter): void {
  p.print();
  p.print('TLS modes ("Do you want to use TLS support?" in NEW, EDIT and DEFAULT):');
  TLS_MODES.forEach((mode, i) => printEntry(p, `${i + 1}. ${TLS_LABELS[mode]}`, TLS_HELP[mode]));
  for (const line of wrap(TLS_DEFAULT_HELP, '  ')) p.print(line);
}

/**
 * `help WORD` for an operation or TLS: prints it and returns true; false when WORD is neither (the caller
 * handles commands, or reports an unknown topic).
 */
export function printTopic(p: Prompter, word: string): boolean {
  const topic = word.trim().toUpperCase();
  if (topic === TLS_TOPIC) {
    printTlsHelp(p);
    return true;
  }
  const text = OPERATION_HELP[topic];
  if (text === undefined) return false;
  p.print();
  printEntry(p, topic, text);
  return true;
}

/** `help` in the destconfig menu: every operation, or the one named (`help new`, `help tls`). */
export function menuHelp(p: Prompter, args: readonly string[]): void {
  if (args.length === 0) {
    printOperationsHelp(p);
    p.print('Type "help OPERATION" for one operation, "help tls" for the TLS modes.');
    return;
  }
  const word = args.join(' ');
  if (!printTopic(p, word)) p.reject(`No help for ${word}. Type "help" for the operations, "help tls" for the TLS modes.`);
}

/**
 * `help` at the main prompt: the commands (`commands`, with the `aliases` they answer to), then every
 * operation and TLS mode; `help WORD` for one command, operation or TLS.
 */
export function mainHelp(
  p: Prompter,
  args: readonly string[],
  commands: Readonly<Record<string, { help: string }>>,
  aliases: Readonly<Record<string, string>>,
): void {
  const topic = args.join(' ');
  if (topic !== '') {
    const name = aliases[topic.toLowerCase()] ?? topic.toLowerCase();
    const command = commands[name];
    if (command) {
      p.print();
      printEntry(p, name, command.help);
    } else if (!printTopic(p, topic)) {
      p.reject(`No help for ${topic}. Type "help" for the commands, the operations and the TLS modes.`);
    }
    return;
  }
  p.print();
  p.print('Commands:');
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  // Wrapped at the column limit like the operations, continuation lines under the text.
  const indent = ' '.repeat(width + 4);
  for (const [name, c] of Object.entries(commands)) {
    const lines = wrap(c.help, indent);
    p.print(`  ${name.padEnd(width)}  ${(lines[0] ?? '').slice(indent.length)}`);
    for (const line of lines.slice(1)) p.print(line);
  }
  printOperationsHelp(p);
  printTlsHelp(p);
}

/** Help topics offered by Tab after `help` (the caller adds its commands). */
export const HELP_TOPICS: readonly string[] = [...Object.keys(OPERATION_HELP), TLS_TOPIC];
