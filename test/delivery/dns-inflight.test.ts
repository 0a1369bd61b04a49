import { describe, expect, it } from 'vitest';
import { limitInFlight, type DnsResolver } from '../../src/delivery/dns.js';

/** A resolver whose lookups stay pending until released, counting how many were outstanding at once. */
function gatedResolver() {
  let outstanding = 0;
  let most = 0;
  const gates: (() => void)[] = [];
  const lookup = <T>(value: T) => {
    outstanding++;
    most = Math.max(most, outstanding);
    return new Promise<T>((resolve) =>
      gates.push(() => {
        outstanding--;
        resolve(value);
      }),
    );
  };
  const resolver: DnsResolver = {
    resolveMx: (name) => lookup([{ exchange: `mx.${name}`, priority: 10 }]),
    resolve4: () => lookup([{ address: '127.0.0.1', ttl: 60 }]),
    resolve6: () => lookup([]),
  };
  return { resolver, gates, most: () => most };
}

describe('limitInFlight', () => {
  it('keeps at most N lookups outstanding and answers every one of a burst', async () => {
    const g = gatedResolver();
    const limited = limitInFlight(g.resolver, 4);
    const all = Promise.all(Array.from({ length: 50 }, (_, i) => limited.resolveMx(`d${i}.test`)));
    // Release lookups one at a time as they reach the inner resolver.
    while (g.gates.length > 0 || g.most() === 0) {
      await new Promise((r) => setImmediate(r));
      g.gates.shift()?.();
    }
    const answers = await all;
    expect(answers.map((a) => a[0]?.exchange)).toEqual(Array.from({ length: 50 }, (_, i) => `mx.d${i}.test`));
    expect(g.most()).toBe(4);
  });

  it('frees the slot when a lookup fails', async () => {
    const failing: DnsResolver = {
      resolveMx: () => Promise.reject(Object.assign(new Error('servfail'), { code: 'ESERVFAIL' })),
      resolve4: () => Promise.resolve([]),
      resolve6: () => Promise.resolve([]),
    };
    const limited = limitInFlight(failing, 1);
    await expect(limited.resolveMx('a.test')).rejects.toThrow('servfail');
    await expect(limited.resolveMx('b.test')).rejects.toThrow('servfail');
  });
});
