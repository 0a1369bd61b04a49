// The lists and grouped questions that the NEW/EDIT and DEFAULT forms share: TLS, DANE, IP preference,
// bounce profile (with "New profile"), and the two "how limits apply" lists. Labels are the table's own
// (src/table/fields.ts); the TLS list shows each mode's help sentence under the highlighted choice.
import { DANE_LABELS, IP_SORT_LABELS, LIMIT_APPLY_LABELS, LIMIT_TYPE_LABELS, TLS_LABELS, validateBounceProfileName } from '../../table/fields.js';
import { DANE_MODES, IP_SORT_PREFS, TLS_MODES, type DaneMode, type DestTable, type IpSortPref, type LimitApply, type LimitType, type TlsMode } from '../../table/types.js';
import { addBounceProfile, CERTCONFIG_NOTICE } from '../destconfig/field-questions.js';
import { TLS_HELP } from '../help.js';
import type { Prompter } from '../prompt.js';
import type { Choice, Widgets } from './widgets.js';

export const TLS_CHOICES: readonly Choice<TlsMode>[] = TLS_MODES.map((m) => ({ name: TLS_LABELS[m], value: m, description: TLS_HELP[m] }));
export const DANE_CHOICES: readonly Choice<DaneMode>[] = DANE_MODES.map((m) => ({ name: DANE_LABELS[m], value: m }));
export const IP_SORT_CHOICES: readonly Choice<IpSortPref>[] = IP_SORT_PREFS.map((v) => ({ name: IP_SORT_LABELS[v], value: v }));

/** The label of the system bounce profile named `Default` (not to be confused with the Default row). */
export function bounceProfileLabel(name: string): string {
  return name === 'Default' ? 'Default bounce profile' : name;
}

/** A value that means "ask for a new profile name"; a profile name cannot hold a NUL. */
const NEW_PROFILE = '\0new profile';

/** The bounce profile list: the system profile, the table's profiles, New profile (its name is then asked and added). */
export async function chooseBounceProfile<T extends string>(
  w: Widgets,
  table: DestTable,
  message: string,
  dflt: string | T,
  extra: readonly Choice<T>[] = [],
): Promise<string | T> {
  const names = ['Default', ...table.bounceProfiles.filter((n) => n !== 'Default')];
  const choices: Choice<string | T>[] = [...extra, ...names.map((n) => ({ name: bounceProfileLabel(n), value: n })), { name: 'New profile...', value: NEW_PROFILE }];
  const chosen = await w.choose(message, choices, dflt);
  if (chosen !== NEW_PROFILE) return chosen;
  return addBounceProfile(table, await w.text('Name of the new bounce profile', validateBounceProfileName));
}

/** The two "how limits apply" lists (per domain or per MX IP; system-wide or per virtual gateway). */
export async function chooseLimitScope(
  w: Widgets,
  what: string,
  current: { limitType: LimitType; limitApply: LimitApply },
): Promise<{ limitType: LimitType; limitApply: LimitApply }> {
  const limitType = await w.choose<LimitType>(
    `Apply the limits of ${what} per`,
    [
      { name: LIMIT_TYPE_LABELS.domain, value: 'domain', description: 'One limit for all connections to the destination.' },
      { name: LIMIT_TYPE_LABELS.mxip, value: 'mxip', description: 'A separate limit for each IP address of its mail exchangers.' },
    ],
    current.limitType,
  );
  const limitApply = await w.choose<LimitApply>(
    'Count the limits',
    [
      { name: LIMIT_APPLY_LABELS.system, value: 'system', description: 'One count for the whole system.' },
      { name: LIMIT_APPLY_LABELS.vg, value: 'vg', description: 'A separate count for each virtual gateway (source address).' },
    ],
    current.limitApply,
  );
  return { limitType, limitApply };
}

/** The ESA dialogue's notice when TLS is switched on while the bundled Demo certificate is in use. */
export function certconfigNotice(p: Prompter, table: DestTable, tls: TlsMode | 'default'): void {
  if (tls === 'default' || tls === 'no' || table.globals.certificate !== 'Demo') return;
  p.print();
  p.print(CERTCONFIG_NOTICE);
}
