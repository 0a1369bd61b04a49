// The delivery workload shared by both clients in a run: N messages of S bytes, round-robin over D
// destination domains under `.bench.test`, one recipient each, raw RFC 5322 content with CRLF line ends
// (and a few lines starting with "." so dot-stuffing is exercised on both sides).

export interface Workload {
  messages: number;
  domains: number;
  sizeBytes: number;
  /** Simultaneous connections per destination domain, on both sides. */
  concurrency: number;
  /** Messages carried per connection before a new one is opened, on both sides. */
  messagesPerConnection: number;
}

export interface BenchMessage {
  from: string;
  to: string;
  content: Buffer;
}

export function domainName(i: number): string {
  return `d${String(i).padStart(4, '0')}.bench.test`;
}

export function isBenchDomain(name: string): boolean {
  return /^d\d{4}\.bench\.test$/.test(name);
}

export function makeContent(i: number, from: string, to: string, sizeBytes: number): Buffer {
  const head =
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: bench message ${i}\r\n` +
    `Message-ID: <bench-${i}@sender.bench.test>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const lines: string[] = [];
  let size = head.length;
  let n = 0;
  while (size < sizeBytes - 80) {
    const line = (n % 40 === 0 ? '.' : '') + `line ${n} of message ${i} `.padEnd(74, 'x');
    lines.push(line);
    size += line.length + 2;
    n++;
  }
  return Buffer.from(head + lines.join('\r\n') + '\r\n', 'latin1');
}

/** Distinct message bodies per run: enough to defeat caching, few enough that the messages held in
 * memory do not drown the client's own memory use in the RSS figures (20,000 × 10 KB would be 200 MB). */
const DISTINCT_CONTENTS = 100;

export function makeMessages(w: Workload): BenchMessage[] {
  const out: BenchMessage[] = [];
  const contents: Buffer[] = [];
  for (let i = 0; i < w.messages; i++) {
    const from = `sender${i}@sender.bench.test`;
    const to = `user${i}@${domainName(i % w.domains)}`;
    const slot = i % DISTINCT_CONTENTS;
    contents[slot] ??= makeContent(i, from, to, w.sizeBytes);
    out.push({ from, to, content: contents[slot] as Buffer });
  }
  return out;
}
