// The environment of a running peers instance, as scripts/peers.sh writes it to $BASE/peers.env.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PeersEnv {
  base: string;
  smtpPort: number;
  dnsPort: number;
  /** `127.0.0.1:PORT`, for --dns-server. */
  dnsServer: string;
  /** PEM file of the CA generated for this run. */
  caFile: string;
  /** The one Maildir every accepted recipient lands in (Delivered-To says whose it is). */
  maildir: string;
  maillog: string;
  ips: { offer: string; require: string; plain: string; mismatch: string; down: string; refuse: string };
}

export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

export function readPeersEnv(envFile: string): PeersEnv {
  const v = parseEnvFile(readFileSync(envFile, 'utf8'));
  const get = (k: string): string => {
    const value = v[k];
    if (value === undefined || value === '') throw new Error(`${envFile}: ${k} is missing`);
    return value;
  };
  return {
    base: get('PEERS_BASE'),
    smtpPort: Number(get('PEERS_SMTP_PORT')),
    dnsPort: Number(get('PEERS_DNS_PORT')),
    dnsServer: get('PEERS_DNS_SERVER'),
    caFile: get('PEERS_CA_FILE'),
    maildir: get('PEERS_MAILDIR'),
    maillog: get('PEERS_MAILLOG'),
    ips: {
      offer: get('PEERS_IP_OFFER'),
      require: get('PEERS_IP_REQUIRE'),
      plain: get('PEERS_IP_PLAIN'),
      mismatch: get('PEERS_IP_MISMATCH'),
      down: get('PEERS_IP_DOWN'),
      refuse: get('PEERS_IP_REFUSE'),
    },
  };
}

/** Programs the peers and the cross-checks need, with the Debian package of each. */
export const REQUIRED_PROGRAMS: Record<string, string> = {
  postfix: 'postfix',
  dnsmasq: 'dnsmasq',
  swaks: 'swaks',
  openssl: 'openssl',
  ss: 'iproute2',
  script: 'bsdutils',
};

export function findProgram(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

/** Programs not found (looked up on PATH plus /usr/sbin and /sbin, where Debian puts postfix). */
export function missingPrograms(): string[] {
  return Object.keys(REQUIRED_PROGRAMS).filter((p) => findProgram(p) === null);
}
