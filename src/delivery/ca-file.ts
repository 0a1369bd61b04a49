// The contents of a --ca-file (deliver, tlsverify): extra trust anchors in PEM. Each certificate block is
// parsed here, once, so that a damaged one is an error naming the file: Node's SecureContext.addCACert
// (tls-context.ts), like the `ca` option, skips a block OpenSSL cannot read without a word, and a delivery
// under a Verify mode would then fail verification for a reason the operator could not see.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates in `text` (read from `file`, named in errors); throws an Error saying what is wrong. */
export function parseCaPem(file: string, text: string): string[] {
  const certs = text.match(PEM_CERTIFICATE);
  if (!certs) throw new Error(`${file} holds no PEM certificate`);
  certs.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new Error(`${file}: certificate ${i + 1} is not a valid PEM certificate (${(err as Error).message})`);
    }
  });
  return certs;
}

/**
 * Reads and checks a --ca-file for `deliver` and `tlsverify` alike; throws an Error whose message names
 * the option and the file (the commands report it with status 2, before any lookup or connection).
 */
export async function readCaFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --ca-file ${file}: ${(err as Error).message}`);
  }
  try {
    return parseCaPem(file, text);
  } catch (err) {
    throw new Error(`--ca-file ${(err as Error).message}`);
  }
}
