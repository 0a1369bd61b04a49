// Independent clients (swaks, openssl) and small helpers for the interop tests.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together (swaks writes its transcript to both). */
  output: string;
}

/** Runs a program to completion, feeding `input` on stdin. Never rejects for a non-zero exit. */
export function runTool(cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => (out.push(b), all.push(b)));
    child.stderr.on('data', (b: Buffer) => (err.push(b), all.push(b)));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        output: Buffer.concat(all).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export interface SwaksOptions {
  server: string;
  port: number;
  to: string;
  from?: string;
  /** Use STARTTLS (and fail when it cannot be used). */
  tls?: boolean;
  /** Verify the server certificate against this CA file. */
  verifyWithCa?: string;
  sni?: string;
  quitAfter?: 'CONNECT' | 'EHLO' | 'TLS' | 'MAIL' | 'RCPT';
  header?: string;
}

export function swaks(o: SwaksOptions): Promise<ToolResult> {
  const args = ['--server', o.server, '--port', String(o.port), '--ehlo', 'swaks.client.test'];
  args.push('--from', o.from ?? 'swaks@client.test', '--to', o.to);
  if (o.tls) args.push('--tls');
  if (o.verifyWithCa) args.push('--tls-verify', '--tls-ca-path', o.verifyWithCa);
  if (o.sni) args.push('--tls-sni', o.sni);
  if (o.quitAfter) args.push('--quit-after', o.quitAfter);
  if (o.header) args.push('--header', o.header);
  args.push('--timeout', '20');
  return runTool('swaks', args);
}

/** `openssl s_client -starttls smtp` with hostname verification: OpenSSL's verdict on a listener's certificate. */
export function opensslVerify(ip: string, port: number, caFile: string, hostname: string): Promise<ToolResult> {
  return runTool(
    'openssl',
    ['s_client', '-connect', `${ip}:${port}`, '-starttls', 'smtp', '-CAfile', caFile, '-verify_hostname', hostname, '-servername', hostname, '-verify_return_error', '-brief'],
    { input: 'QUIT\r\n', timeoutMs: 30_000 },
  );
}

/** A short random tag that makes a recipient or message unique to one test. */
export function uniqueTag(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
