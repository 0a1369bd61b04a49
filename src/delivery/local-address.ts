// Whether an IP address belongs to this machine, asked the only reliable way: by binding to it. A
// `--source` that is not local would make every connection fail with EADDRNOTAVAIL and every recipient
// deferred; it is a bad option, refused before anything is sent. os.networkInterfaces() is no substitute:
// it lists 127.0.0.1 but not the rest of 127.0.0.0/8, which Linux routes to loopback and lets a socket bind.
import net from 'node:net';

/** Errors of bind(2) that say the address cannot be used from here. */
const NOT_LOCAL = new Set(['EADDRNOTAVAIL', 'EINVAL']);

export function isLocalAddress(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(!NOT_LOCAL.has(err.code ?? '')));
    server.listen({ host: ip, port: 0, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
