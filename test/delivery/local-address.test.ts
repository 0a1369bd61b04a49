import { describe, expect, it } from 'vitest';
import { isLocalAddress } from '../../src/delivery/local-address.js';

describe('isLocalAddress', () => {
  it('is true for loopback addresses, the whole of 127.0.0.0/8 included, and false for a documentation address', async () => {
    expect(await isLocalAddress('127.0.0.1')).toBe(true);
    expect(await isLocalAddress('127.0.0.9')).toBe(true);
    expect(await isLocalAddress('192.0.2.1')).toBe(false);
    expect(await isLocalAddress('2001:db8::1')).toBe(false);
  });
});
