// Reading what `deliver` is asked to send: one message (file or stdin) with --from/--to, or a batch folder
// of NAME.eml files, each with its envelope in NAME.json (`{"from": "a@b", "to": ["c@d", ...]}`). Every
// input is checked before anything is sent, so a bad sidecar never leaves a batch half delivered. A batch's
// message files are checked then (there, a regular file, readable, not empty) but read only when each one's
// transaction is sent, so a run holds the messages in flight, not the whole batch (issue 6).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { recipientDestination } from '../table/domain.js';
import type { InputMessage } from './deliver-options.js';
import { readFileWithin, TooLarge } from '../store/bounded-read.js';
import { errorText, fileSource, MAX_MESSAGE_BYTES, openMessageFile, tooLargeText } from './message-source.js';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Why an envelope address is unusable, or null when it is fine. The sender may be '' (null sender). */
export function addressProblem(address: string, role: 'sender' | 'recipient'): string | null {
  if (role === 'sender' && address === '') return null;
  if (/[\s<>\x00-\x1f\x7f]/.test(address)) return 'it must not contain spaces, angle brackets or control characters';
  const at = address.lastIndexOf('@');
  if (at <= 0) return 'it needs a local part and a domain (local@domain)';
  // RFC 5321 §4.1.2: a local part is a Dot-string (no @) or a Quoted-string; `bad@@x` is a typo, not an address.
  const local = address.slice(0, at);
  const quoted = local.length >= 2 && local.startsWith('"') && local.endsWith('"');
  if (!quoted && local.includes('@')) return `its local part ${JSON.stringify(local)} has an @ outside quotes`;
  if (address.length > 320) return 'it is longer than 320 characters';
  if (role === 'recipient' && recipientDestination(address) === null) return 'its domain is not a valid domain name or [IP] literal';
  if (at === address.length - 1) return 'its domain is empty';
  return null;
}

function checkEnvelope(where: string, from: unknown, to: unknown): { from: string; to: string[] } {
  if (typeof from !== 'string') throw new InputError(`${where}: "from" must be a string (the envelope sender; "" for the null sender)`);
  const list = typeof to === 'string' ? [to] : to;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string'))
    throw new InputError(`${where}: "to" must be a recipient address or a non-empty list of them`);
  const fromProblem = addressProblem(from, 'sender');
  if (fromProblem) throw new InputError(`${where}: invalid sender ${JSON.stringify(from)}: ${fromProblem}`);
  for (const t of list as string[]) {
    const p = addressProblem(t, 'recipient');
    if (p) throw new InputError(`${where}: invalid recipient ${JSON.stringify(t)}: ${p}`);
  }
  return { from, to: list as string[] };
}

/** One message from --from/--to and a file or stdin. */
export async function readSingle(
  from: string | undefined,
  to: string[],
  file: string | undefined,
  stdin: () => Promise<Buffer>,
): Promise<InputMessage[]> {
  if (from === undefined) throw new InputError('--from is required (the envelope sender; --from "" for the null sender)');
  if (to.length === 0) throw new InputError('at least one --to is required');
  const env = checkEnvelope('command line', from, to);
  const name = file ?? '-';
  let content: Buffer;
  try {
    content = name === '-' ? await stdin() : await readMessageFile(name);
  } catch (err) {
    throw new InputError(`cannot read message ${name}: ${errorText(err)}`);
  }
  if (content.length === 0) throw new InputError(`message ${name} is empty`);
  return [{ name, ...env, content }];
}

/**
 * A message named on the command line, at most MAX_MESSAGE_BYTES: a regular file, or what a script hands
 * over as a file (a named pipe, `/dev/stdin`, the `/dev/fd/N` of `deliver ... <(generate)`).
 */
async function readMessageFile(file: string): Promise<Buffer> {
  try {
    return await readFileWithin(file, MAX_MESSAGE_BYTES);
  } catch (err) {
    throw err instanceof TooLarge ? new Error(tooLargeText(err.size ?? undefined)) : err;
  }
}

/**
 * A batch message file must be there, a regular file, readable and not empty when the batch is checked;
 * its bytes are read only when its transaction is sent (message-source.ts).
 */
async function checkMessageFile(file: string): Promise<void> {
  try {
    // Opened, not only stat'ed: the open proves it readable (modes, ACLs, a read-only mount).
    await (await openMessageFile(file)).close();
  } catch (err) {
    throw new InputError(`cannot read message ${file}: ${errorText(err)}`);
  }
}

/**
 * Every NAME.eml in a folder with its NAME.json sidecar, in name order. Every sidecar is read and every
 * message file checked before anything is sent; the messages' bytes are read as they are sent.
 */
export async function readBatch(dir: string): Promise<InputMessage[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
  } catch (err) {
    throw new InputError(`cannot read batch folder ${dir}: ${(err as Error).message}`);
  }
  if (names.length === 0) throw new InputError(`batch folder ${dir} has no .eml files`);
  const messages: InputMessage[] = [];
  for (const name of names) {
    const emlPath = path.join(dir, name);
    const sidecar = path.join(dir, `${name.slice(0, -'.eml'.length)}.json`);
    let doc: { from?: unknown; to?: unknown };
    try {
      // A byte order mark, as some Windows editors save UTF-8, is not part of the JSON (RFC 8259 §8.1 lets a parser ignore it).
      doc = JSON.parse((await readFile(sidecar, 'utf8')).replace(/^\uFEFF/, ''));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new InputError(e.code === 'ENOENT' ? `${emlPath} has no envelope file ${sidecar}` : `${sidecar}: ${e.message}`);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${sidecar}: expected an object {"from": ..., "to": [...]}`);
    const env = checkEnvelope(sidecar, doc.from, doc.to);
    await checkMessageFile(emlPath);
    messages.push({ name: emlPath, ...env, content: fileSource(emlPath) });
  }
  return messages;
}
