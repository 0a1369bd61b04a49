import { describe, expect, it } from 'vitest';
import { ConnectionSlots, RecipientWindows, limitKey, recipientLimitReason } from '../../src/delivery/limits.js';

describe('limit keys', () => {
  it('count per domain, per MX IP, and per virtual gateway as the row says', () => {
    expect(limitKey('example.com', { limitType: 'domain', limitApply: 'system' }, '192.0.2.1', '10.0.0.1')).toBe('example.com');
    expect(limitKey('example.com', { limitType: 'mxip', limitApply: 'system' }, '192.0.2.1', '10.0.0.1')).toBe('example.com 192.0.2.1');
    expect(limitKey('example.com', { limitType: 'domain', limitApply: 'vg' }, '192.0.2.1', '10.0.0.1')).toBe('example.com via 10.0.0.1');
    expect(limitKey('example.com', { limitType: 'mxip', limitApply: 'vg' }, '192.0.2.1', undefined)).toBe('example.com 192.0.2.1 via default');
  });
});

describe('ConnectionSlots', () => {
  it('never lets a key exceed its limit, takes all claims or none, and records the peak', async () => {
    const slots = new ConnectionSlots();
    expect(slots.tryAcquire([{ key: 'a', max: 2 }])).toBe(true);
    expect(slots.tryAcquire([{ key: 'a', max: 2 }, { key: '*', max: 10 }])).toBe(true);
    expect(slots.tryAcquire([{ key: 'a', max: 2 }])).toBe(false);
    expect(slots.tryAcquire([{ key: 'b', max: 1 }, { key: '*', max: 1 }])).toBe(false);
    expect(slots.active('b')).toBe(0);
    expect(slots.peak.get('a')).toBe(2);
  });

  it('hands a released slot to the first waiter whose claims fit, in arrival order, and cancels the rest', async () => {
    const slots = new ConnectionSlots();
    const a = { key: 'a', max: 1 };
    const b = { key: 'b', max: 1 };
    expect(await slots.acquire([a])).toBe(true);
    expect(await slots.acquire([b])).toBe(true);
    const order: string[] = [];
    const first = slots.acquire([a]).then((g) => order.push(`first ${g}`));
    const onB = slots.acquire([b]).then((g) => order.push(`onB ${g}`));
    const second = slots.acquire([a]).then((g) => order.push(`second ${g}`));
    slots.release(['a']);
    await first;
    expect(order).toEqual(['first true']);
    expect(slots.active('a')).toBe(1);
    slots.cancelWaiting();
    await Promise.all([onB, second]);
    expect(order).toEqual(['first true', 'onB false', 'second false']);
  });
});

describe('RecipientWindows with an injected clock', () => {
  it('admits at most N recipients per M minutes and admits again once the window has moved on', () => {
    let now = 0;
    const w = new RecipientWindows(() => now);
    const limit = { limit: 5, minutes: 2 };
    expect(w.admit('d', limit, 3)).toBe(3);
    now += 60_000;
    expect(w.admit('d', limit, 4)).toBe(2);
    expect(w.remaining('d', limit)).toBe(0);
    now += 60_001; // the first 3 are older than 2 minutes now
    expect(w.remaining('d', limit)).toBe(3);
    now += 60_000;
    expect(w.remaining('d', limit)).toBe(5);
    expect(w.remaining('other', limit)).toBe(5);
  });

  it('takes back admissions of recipients nothing was sent to (a lost session), the oldest in the window first', () => {
    let now = 0;
    const w = new RecipientWindows(() => now);
    const limit = { limit: 5, minutes: 10 };
    w.admit('d', limit, 2);
    now += 1000;
    w.admit('d', limit, 3);
    expect(w.remaining('d', limit)).toBe(0);
    w.refund('d', 4, limit);
    expect(w.remaining('d', limit)).toBe(4);
    // What is kept is the latest admission: the window never frees a place earlier than it should.
    expect(w.snapshot()).toEqual({ d: [[1000, 1]] });
    w.refund('d', 9);
    w.refund('unknown', 1);
    expect(w.remaining('d', limit)).toBe(5);
    expect(w.remaining('unknown', limit)).toBe(5);
  });

  it('gives nothing back from admissions already out of the window', () => {
    let now = 0;
    const w = new RecipientWindows(() => now);
    const limit = { limit: 2, minutes: 1 };
    w.admit('d', limit, 1);
    now += 61_000;
    w.admit('d', limit, 2);
    w.refund('d', 1, limit);
    expect(w.remaining('d', limit)).toBe(1);
  });

  it('carries its admissions over to the next run through a snapshot, dropping expired ones', () => {
    let now = 0;
    const w = new RecipientWindows(() => now);
    const limit = { limit: 4, minutes: 10 };
    w.admit('d', limit, 3);
    now = 61 * 60_000;
    w.admit('e', limit, 1);
    const next = new RecipientWindows(() => now, JSON.parse(JSON.stringify(w.snapshot())));
    expect(next.snapshot()).toEqual({ e: [[61 * 60_000, 1]] });
    expect(next.remaining('e', limit)).toBe(3);
    expect(new RecipientWindows(() => now, { bad: [['x', 1]] } as never).snapshot()).toEqual({});
  });

  it('a limit of 0 admits nobody', () => {
    const w = new RecipientWindows(() => 0);
    expect(w.admit('d', { limit: 0, minutes: 1 }, 3)).toBe(0);
  });

  it('states the reason with the limit and the scope', () => {
    expect(recipientLimitReason('example.com', { limit: 5, minutes: 10 }, null)).toBe(
      '4.4.5 Recipient limit of 5 per 10 minutes reached for example.com; try again later',
    );
    expect(recipientLimitReason('example.com', { limit: 1, minutes: 1 }, '192.0.2.1')).toContain('per minute reached for example.com via MX IP 192.0.2.1');
  });
});
