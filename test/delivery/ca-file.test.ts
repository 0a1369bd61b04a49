// --ca-file contents: every PEM certificate block must be a certificate OpenSSL can read. A block it cannot
// read used to be skipped without a word (Node's addCACert ignores it), so a delivery under a Verify mode
// then failed verification for reasons the operator could not see.
import { describe, expect, it } from 'vitest';
import { parseCaPem } from '../../src/delivery/ca-file.js';
import { testPki } from '../helpers/test-ca.js';

describe('parseCaPem', () => {
  it('returns every certificate of a PEM bundle, in order', () => {
    const pki = testPki();
    expect(parseCaPem('ca.pem', `# bundle\n${pki.caCert}\n${pki.rogueCaCert}`)).toEqual([pki.caCert.trim(), pki.rogueCaCert.trim()]);
  });

  it('refuses a file with no PEM certificate, naming the file', () => {
    expect(() => parseCaPem('/x/notes.txt', 'hello\n')).toThrow('/x/notes.txt holds no PEM certificate');
  });

  it('refuses a PEM block that is not a readable certificate, naming the file and the block', () => {
    const pki = testPki();
    const broken = '-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----';
    expect(() => parseCaPem('/x/bad.pem', `${pki.caCert}\n${broken}\n`)).toThrow(/^\/x\/bad\.pem: certificate 2 is not a valid PEM certificate/);
    // A truncated copy of a real certificate (half its base64 lost).
    const lines = pki.caCert.trim().split('\n');
    const truncated = [...lines.slice(0, Math.ceil(lines.length / 2)), lines[lines.length - 1]].join('\n');
    expect(() => parseCaPem('/x/cut.pem', truncated)).toThrow(/^\/x\/cut\.pem: certificate 1 is not a valid PEM certificate/);
  });
});
