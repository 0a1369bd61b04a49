// Questions shared by NEW, EDIT and DEFAULT: the value lists (TLS, DANE, IP sort, bounce profile, how limits
// apply) with their wording from the reference (§5.1, §5.4, §7.1) and the seed transcript.
import { DANE_LABELS, IP_SORT_SHORT, TLS_LABELS, validateBounceProfileName } from '../../table/fields.js';
import { DANE_MODES, TLS_MODES, type DaneMode, type DestTable, type IpSortPref, type LimitApply, type LimitType, type TlsMode } from '../../table/types.js';
import { askChoice, askText } from '../ask.js';
import type { Prompter } from '../prompt.js';

/** The seed's notice when TLS is switched on while the bundled demonstration certificate is in use. */
export const CERTCONFIG_NOTICE =
  "You have chosen to enable TLS. Please use the 'certconfig' command to ensure that there is a valid certificate configured.";

/** `Do you want to use TLS support?` with the six modes; prints the certconfig notice when it applies. */
export async function askTlsMode(p: Prompter, table: DestTable, current: TlsMode): Promise<TlsMode> {
  const i = await askChoice(p, 'Do you want to use TLS support?', TLS_MODES.map((m) => TLS_LABELS[m]), TLS_MODES.indexOf(current));
  const mode = TLS_MODES[i] ?? current;
  if (mode !== 'no' && table.globals.certificate === 'Demo') {
    p.print();
    p.print(CERTCONFIG_NOTICE);
  }
  return mode;
}

export async function askDaneMode(p: Prompter, question: string, current: DaneMode): Promise<DaneMode> {
  const i = await askChoice(p, question, DANE_MODES.map((m) => DANE_LABELS[m]), DANE_MODES.indexOf(current));
  return DANE_MODES[i] ?? current;
}

/** The CLI's order of the IP sort list (S-SARF docstring: 1 Prefer IPv4, 2 Prefer IPv6, 3 Require IPv4, 4 Require IPv6). */
const IP_SORT_MENU: readonly IpSortPref[] = ['PREFER_V4', 'PREFER_V6', 'REQUIRE_V4', 'REQUIRE_V6'];

export async function askIpSort(p: Prompter, current: IpSortPref): Promise<IpSortPref> {
  const i = await askChoice(
    p,
    'How should the appliance sort IP addresses within an MX preference level?',
    IP_SORT_MENU.map((v) => IP_SORT_SHORT[v]),
    IP_SORT_MENU.indexOf(current),
  );
  return IP_SORT_MENU[i] ?? current;
}

const NEW_PROFILE = 'New Profile';

/**
 * `Please choose a bounce profile to apply:` Default, the existing profiles, New Profile. A new profile's
 * name is asked and added to the table's profiles.
 */
export async function askBounceProfile(p: Prompter, table: DestTable, current: string): Promise<string> {
  const names = ['Default', ...table.bounceProfiles.filter((n) => n !== 'Default')];
  const labels = [...names, NEW_PROFILE];
  const i = await askChoice(p, 'Please choose a bounce profile to apply:', labels, Math.max(0, names.indexOf(current)));
  const chosen = names[i];
  if (chosen !== undefined) return chosen;
  return addBounceProfile(table, await askText(p, 'Please enter the name of a profile:', validateBounceProfileName));
}

/**
 * A profile name typed as "new": one spelling per profile, case-insensitively, as the file importer keeps
 * it: "slow" after "Slow" is the same profile, and "default" is the Default profile (the lower-case word
 * would read as "inherit"). A name the table does not know yet is added to its profiles. Shared with the
 * form mode (src/shell/form/choices.ts).
 */
export function addBounceProfile(table: DestTable, typed: string): string {
  const names = ['Default', ...table.bounceProfiles.filter((n) => n !== 'Default')];
  const name = names.find((n) => n.toLowerCase() === typed.toLowerCase()) ?? typed;
  if (name !== 'Default' && !table.bounceProfiles.includes(name)) table.bounceProfiles.push(name);
  return name;
}

const LIMIT_TYPES: readonly LimitType[] = ['domain', 'mxip'];
const LIMIT_APPLIES: readonly LimitApply[] = ['system', 'vg'];

/** The two "how limits apply" lists (reference §5.1 #9 and #10, wording verified in S-118177). */
export async function askLimitScope(
  p: Prompter,
  scope: { question: string; entireDomain: string },
  current: { limitType: LimitType; limitApply: LimitApply },
): Promise<{ limitType: LimitType; limitApply: LimitApply }> {
  const t = await askChoice(p, scope.question, [scope.entireDomain, 'Separate limit for each mail exchanger IP address'], LIMIT_TYPES.indexOf(current.limitType));
  const a = await askChoice(p, 'Select how the limits will be enforced:', ['System Wide', 'Per Virtual Gateway(tm)'], LIMIT_APPLIES.indexOf(current.limitApply));
  return { limitType: LIMIT_TYPES[t] ?? current.limitType, limitApply: LIMIT_APPLIES[a] ?? current.limitApply };
}
