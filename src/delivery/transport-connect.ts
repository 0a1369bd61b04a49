// Opening the TCP connection an SmtpTransport runs over: a connect time-out, and an abort signal (the run
// interrupted by SIGTERM/SIGINT) that drops the attempt at once instead of leaving it to the time-out.
import net from 'node:net';
import { SmtpTransport } from './transport.js';
import { TransportError } from './transport-error.js';

export interface TransportConnectOptions {
  ip: string;
  port: number;
  localAddress?: string;
  timeoutMs: number;
  /** Aborted (the run interrupted by SIGTERM/SIGINT): the attempt is dropped at once, not left to its time-out. */
  signal?: AbortSignal;
}

/** Opens the TCP connection; Nagle is turned off since SMTP is request/reply with small writes. */
export function connectTransport(options: TransportConnectOptions): Promise<SmtpTransport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.ip, port: options.port, localAddress: options.localAddress });
    socket.setNoDelay(true);
    const { signal } = options;
    const abandon = (): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new TransportError('connect', `connection to ${options.ip} port ${options.port} abandoned: delivery interrupted`));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abandon);
      socket.destroy();
      reject(new TransportError('timeout', `connection to ${options.ip} port ${options.port} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abandon);
      socket.destroy();
      reject(new TransportError('connect', `connection to ${options.ip} port ${options.port} failed: ${error.code ?? error.message}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abandon);
      socket.removeAllListeners('error');
      resolve(new SmtpTransport(socket));
    });
    if (signal?.aborted) abandon();
    else signal?.addEventListener('abort', abandon, { once: true });
  });
}
