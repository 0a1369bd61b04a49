// Field validators shared by the shell, the file importer and the store (src/table/fields.ts).
import { describe, expect, it } from 'vitest';
import { validateBounceProfileName } from '../../src/table/fields.js';

describe('validateBounceProfileName', () => {
  it('accepts a letter or "_" first, then letters, digits, "_", "-", "." up to 64 characters', () => {
    expect(validateBounceProfileName(' ok.name-1 ')).toEqual({ ok: true, value: 'ok.name-1' });
    expect(validateBounceProfileName('_' + 'x'.repeat(63))).toEqual({ ok: true, value: '_' + 'x'.repeat(63) });
  });

  it('names the fault: a bad first character, a bad character, or a name that is too long', () => {
    expect(validateBounceProfileName('1bad')).toEqual({ ok: false, error: 'The bounce profile name must start with a letter or an underscore.' });
    expect(validateBounceProfileName('bad name')).toEqual({ ok: false, error: 'Invalid profile name: "bad name". Valid characters are letters, digits, "_", "-" and ".".' });
    // Only valid characters, but 65 of them: the message must say the length, not the characters.
    expect(validateBounceProfileName('x'.repeat(65))).toEqual({ ok: false, error: 'Invalid profile name: it is 65 characters long; the most is 64.' });
  });
});
