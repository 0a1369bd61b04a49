// Delivery commands: deliver, tlsverify (issue 4), daneverify (docs/dane.md). Owned by the delivery work. Only the options are declared
// here; the delivery stack is loaded with import() when one of these commands runs, so the shell, `list`
// and `--version` never parse it.
import type { Command } from 'commander';
import { resolveHome, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';

// Repeatable options; no default given to commander, so --help does not print "(default: [])".
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface DeliverCliOptions extends GlobalOptions {
  from?: string;
  to?: string[];
  batch?: string;
  dnsServer?: string[];
  port: string;
  caFile?: string;
  helo?: string;
  source?: string[];
  log?: string;
  json?: boolean;
  connectTimeout: string;
  commandTimeout: string;
  dataTimeout: string;
  tlsTimeout: string;
  maxConnections: string;
}

export interface TlsVerifyCliOptions extends GlobalOptions {
  dnsServer?: string[];
  port: string;
  caFile?: string;
  helo?: string;
  connectTimeout: string;
}

export type DaneVerifyCliOptions = Omit<TlsVerifyCliOptions, 'caFile'>;

export function registerDelivery(program: Command): void {
  program
    .command('deliver')
    .configureHelp({ showGlobalOptions: true })
    .description('deliver a message (file or stdin) or a batch folder under the destination-controls table')
    .argument('[message]', 'RFC 5322 message file, or - for stdin (default: stdin)')
    .option('--from <sender>', 'envelope sender (MAIL FROM); "" for the null sender')
    .option('--to <recipient>', 'envelope recipient (repeatable)', collect)
    .option('--batch <dir>', 'deliver every NAME.eml in DIR with its envelope in NAME.json ({"from": ..., "to": [...]})')
    .option('--dns-server <host[:port]>', 'DNS server to ask (repeatable; default: the system resolver)', collect)
    .option('--port <n>', 'SMTP port of the mail exchangers', '25')
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM) beside the bundled roots')
    .option('--helo <name>', 'name sent in EHLO (default: this host name)')
    .option('--source <address>', 'local address to send from, a virtual gateway (repeatable)', collect)
    .option('--log <file>', 'mail log to append to (default: <home>/mail.log)')
    .option('--json', 'print the report as JSON on stdout')
    .option('--connect-timeout <s>', 'seconds to wait for a TCP connection', '30')
    .option('--command-timeout <s>', 'seconds to wait for the greeting and each reply', '60')
    .option('--data-timeout <s>', 'seconds to wait for the reply to the message data', '300')
    .option('--tls-timeout <s>', 'seconds to wait for the TLS handshake', '30')
    .option('--max-connections <n>', 'at most this many simultaneous connections in all', '200')
    .addHelpText(
      'after',
      '\nExit status: 0 every recipient delivered; 75 some deferred and none bounced, or stopped by SIGTERM/SIGINT; 69 any bounced; 2 usage; 1 other failure (unreadable table, I/O error).',
    )
    .action(async (message: string | undefined, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DeliverCliOptions>();
      const { runDeliverCommand } = await import('../../delivery/cli-deliver.js');
      process.exitCode = await runDeliverCommand({ ...opts, home: resolveHome(opts.home), message });
    });

  program
    .command('tlsverify')
    .configureHelp({ showGlobalOptions: true })
    .description("check outbound TLS to a domain's mail exchanger (or HOST[:PORT]) under the Verify profile")
    .argument('<domain>', 'domain to verify against (its MX hosts are used unless HOST is given)')
    .argument('[host]', 'HOST[:PORT] to connect to instead of the MX hosts')
    .option('--dns-server <host[:port]>', 'DNS server to ask (repeatable)', collect)
    .option('--port <n>', 'SMTP port', '25')
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM) beside the bundled roots')
    .option('--helo <name>', 'name sent in EHLO (default: this host name)')
    .option('--connect-timeout <s>', 'seconds to wait for each step', '30')
    .addHelpText('after', '\nExit status: 0 TLS negotiated and the certificate verified; 1 not; 2 usage.')
    .action(async (domain: string, host: string | undefined, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<TlsVerifyCliOptions>();
      const { runTlsVerifyCommand } = await import('../../delivery/cli-deliver.js');
      // 1 (not verified) until the verdict: a reader that goes away before it (`| head -1`) ends the check
      // with process.exitCode (src/cli/main.ts), which must not read as a success.
      process.exitCode = EXIT.FAILURE;
      process.exitCode = await runTlsVerifyCommand({ ...opts, home: resolveHome(opts.home), domain, host });
    });

  program
    .command('daneverify')
    .configureHelp({ showGlobalOptions: true })
    .description("check DANE (DNSSEC-signed TLSA records matching the certificate) for a domain's mail exchangers (or HOST[:PORT])")
    .argument('<domain>', 'domain to check (its MX hosts are used unless HOST is given)')
    .argument('[host]', 'HOST[:PORT] to check instead of the MX hosts (a name: TLSA is looked up at _PORT._tcp.HOST)')
    .option('--dns-server <host[:port]>', 'DNS server to ask; the first one must be a DNSSEC-validating resolver on loopback for its AD bit to count (repeatable; default: the system resolver)', collect)
    .option('--port <n>', 'SMTP port (also the TLSA name _PORT._tcp.HOST)', '25')
    .option('--helo <name>', 'name sent in EHLO (default: this host name)')
    .option('--connect-timeout <s>', 'seconds to wait for each step', '30')
    .addHelpText('after', '\nEnds with "DANE SUCCESS for DOMAIN" or "DANE FAILED for DOMAIN: reason".\nExit status: 0 a mail exchanger was DANE-authenticated; 1 none was; 2 usage.')
    .action(async (domain: string, host: string | undefined, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DaneVerifyCliOptions>();
      const { runDaneVerifyCommand } = await import('../../delivery/cli-deliver.js');
      // 1 (not verified) until the verdict: a reader that goes away before it (`| head -1`) ends the check
      // with process.exitCode (src/cli/main.ts), which must not read as a success.
      process.exitCode = EXIT.FAILURE;
      process.exitCode = await runDaneVerifyCommand({ ...opts, home: resolveHome(opts.home), domain, host });
    });
}
