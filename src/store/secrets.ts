// Secrets of the installation (`<home>/secrets.json`, mode 0600): today the key that signs bounce
// verification (BATV) tags. Kept apart from destconfig.json so that no table export, listing or copy of
// the table can carry it; this module never prints a secret, not even in an error message.
import { randomBytes } from 'node:crypto';
import { TableFileError } from './errors.js';
import { DEFAULT_STALE_LOCK_MS, SECRETS_FILE, readIfExists, removeOrphans, secretsPath } from './files.js';
import { withLock, type LockOptions } from './lock.js';
import { ensureHome, writeHomeFile } from './write.js';

export { secretsPath } from './files.js';

const SECRETS_SCHEMA = 1;
const SECRET_BYTES = 32;
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;
const ADVICE =
  'The file was left unchanged. Correct it, or remove it to make new secrets (bounce verification tags ' +
  'already sent with the old secret will then no longer be recognised).';

/**
 * The secret called `name` (32 random bytes), created on first use. Creation happens under the commit
 * lock with an atomic write, so two processes asking at once end up with the same secret.
 */
export async function ensureSecret(home: string, name: string, lockOptions: LockOptions = {}): Promise<Buffer> {
  if (!SECRET_NAME.test(name)) throw new TypeError(`Invalid secret name ${JSON.stringify(name)}`);
  const existing = (await readSecrets(home)).get(name);
  if (existing) return existing;
  await ensureHome(home);
  return withLock(
    home,
    async (lock) => {
      await removeOrphans(home, { lockHeld: true, staleMs: lockOptions.staleMs ?? DEFAULT_STALE_LOCK_MS });
      const secrets = await readSecrets(home);
      const found = secrets.get(name);
      if (found) return found;
      const secret = randomBytes(SECRET_BYTES);
      secrets.set(name, secret);
      await writeHomeFile(home, SECRETS_FILE, serializeSecrets(secrets), () => lock.assertHeld());
      return secret;
    },
    lockOptions,
  );
}

async function readSecrets(home: string): Promise<Map<string, Buffer>> {
  const file = secretsPath(home);
  const text = await readIfExists(file);
  if (text === null) return new Map();
  const bad = (problem: string): never => {
    throw new TableFileError(file, problem, ADVICE);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the fault: it could quote a secret.
    return bad('is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('must hold a JSON object.');
  const { schema, secrets } = doc as Record<string, unknown>;
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1) return bad('has no valid "schema" number.');
  if (schema > SECRETS_SCHEMA) {
    return bad(`was written by a newer destconfig (secrets schema ${schema}; this version reads ${SECRETS_SCHEMA}).`);
  }
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) return bad('"secrets" must be an object.');
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(secrets)) {
    if (!SECRET_NAME.test(key)) return bad(`"secrets" has an invalid name ${JSON.stringify(key)}.`);
    if (typeof value !== 'string' || !BASE64_32.test(value)) {
      return bad(`the secret "${key}" must be ${SECRET_BYTES} bytes in base64.`);
    }
    out.set(key, Buffer.from(value, 'base64'));
  }
  return out;
}

function serializeSecrets(secrets: Map<string, Buffer>): string {
  const doc = { schema: SECRETS_SCHEMA, secrets: Object.fromEntries([...secrets].map(([k, v]) => [k, v.toString('base64')])) };
  return JSON.stringify(doc, null, 2) + '\n';
}
