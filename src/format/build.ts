// Second pass over a table file: sections of settings -> the table model, enforcing the appliance's rules
// (reference §8.1): every key is required in [DEFAULT] except bounce_profile, dane_option (absent: none)
// and the recipient_limit + recipient_minutes pair (absent: no limit); a section that sets
// max_host_concurrency also sets limit_type and limit_apply; one that sets recipient_limit also sets
// recipient_minutes, limit_type and limit_apply. A key missing from a destination section means
// "use Default". Section names go through the shell's destination normalisation. Pure: no I/O.
import { normaliseDestination } from '../table/domain.js';
import { EntryMap } from '../table/entry-map.js';
import {
  DEFAULT,
  blankEntry,
  type DaneMode,
  type DefaultRow,
  type DestEntry,
  type DestTable,
  type IpSortPref,
  type LimitApply,
  type LimitType,
  type TlsMode,
} from '../table/types.js';
import type { FileError } from './errors.js';
import { SYSTEM_BOUNCE_PROFILE, VALUE_PARSERS, type FileKey } from './keys.js';
import type { ProgressFn, RawSection, Syntax } from './parse.js';

/** What a table file holds: the Default row, the entries and the bounce profiles they name. */
export type ImportedTable = Pick<DestTable, 'defaults' | 'entries' | 'bounceProfiles'>;

export type BuildResult = { ok: true; table: ImportedTable; entries: number } | { ok: false; errors: FileError[] };

interface SectionValues {
  ip_sort_pref?: IpSortPref;
  max_host_concurrency?: number;
  max_messages_per_connection?: number;
  recipient_minutes?: number;
  recipient_limit?: number;
  limit_type?: LimitType;
  limit_apply?: LimitApply;
  table_tls?: TlsMode;
  dane_option?: DaneMode;
  bounce_validation?: 'off' | 'on';
  bounce_profile?: string;
}

const REQUIRED_IN_DEFAULT: readonly FileKey[] = [
  'ip_sort_pref',
  'max_host_concurrency',
  'max_messages_per_connection',
  'limit_type',
  'limit_apply',
  'table_tls',
  'bounce_validation',
];

const PROGRESS_STEP = 4096;

/** Parses each setting's value; errors name the setting's line and key as written. */
function parseValues(section: RawSection, errors: FileError[]): SectionValues {
  const values: Record<string, unknown> = {};
  for (const [key, s] of section.settings) {
    if (s.reported) continue;
    const r = VALUE_PARSERS[key](s.value);
    if (r.ok) values[key] = r.value;
    else errors.push({ line: s.line, section: section.label, key: s.written, message: r.error });
  }
  return values as SectionValues;
}

/** Dependency rules between keys; presence counts a key even when its value was invalid (already reported). */
function checkDependencies(section: RawSection, isDefault: boolean, errors: FileError[]): void {
  const has = (k: FileKey): boolean => section.settings.has(k);
  const need = (k: FileKey, required: FileKey[], why: string): void => {
    const s = section.settings.get(k);
    const missing = required.filter((r) => !has(r));
    if (!s || missing.length === 0) return;
    errors.push({ line: s.line, section: section.label, key: s.written, message: `needs ${andList(missing)} in the same section${why}.` });
  };
  if (isDefault) {
    for (const k of REQUIRED_IN_DEFAULT) {
      if (!has(k)) errors.push({ line: section.line, section: section.label, key: k, message: 'required in [DEFAULT] but missing.' });
    }
    need('recipient_limit', ['recipient_minutes'], '');
    need('recipient_minutes', ['recipient_limit'], ' (leave both out for no recipient limit)');
    return;
  }
  need('max_host_concurrency', ['limit_type', 'limit_apply'], '');
  need('recipient_limit', ['recipient_minutes', 'limit_type', 'limit_apply'], '');
  need('recipient_minutes', ['recipient_limit'], ' (it is the period of the recipient limit)');
  if (!has('max_host_concurrency') && !has('recipient_limit')) {
    for (const k of ['limit_type', 'limit_apply'] as const) {
      const s = section.settings.get(k);
      if (s) errors.push({ line: s.line, section: section.label, key: s.written, message: 'applies only with max_host_concurrency or recipient_limit in the same section.' });
    }
  }
}

function andList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Keeps one spelling per bounce profile name (case-insensitive; the first one met wins). */
class ProfileNames {
  private readonly byLower = new Map<string, string>();
  canonical(name: string): string {
    if (name === SYSTEM_BOUNCE_PROFILE) return name;
    const lower = name.toLowerCase();
    const known = this.byLower.get(lower);
    if (known !== undefined) return known;
    this.byLower.set(lower, name);
    return name;
  }
  list(): string[] {
    return [...this.byLower.values()];
  }
}

function defaultRowOf(v: SectionValues, profiles: ProfileNames): DefaultRow | null {
  if (
    v.ip_sort_pref === undefined ||
    v.max_host_concurrency === undefined ||
    v.max_messages_per_connection === undefined ||
    v.limit_type === undefined ||
    v.limit_apply === undefined ||
    v.table_tls === undefined ||
    v.bounce_validation === undefined
  ) {
    return null;
  }
  return {
    ipSortPref: v.ip_sort_pref,
    maxConcurrency: v.max_host_concurrency,
    maxMessagesPerConnection: v.max_messages_per_connection,
    recipientLimit:
      v.recipient_limit !== undefined && v.recipient_minutes !== undefined ? { limit: v.recipient_limit, minutes: v.recipient_minutes } : null,
    limitType: v.limit_type,
    limitApply: v.limit_apply,
    tls: v.table_tls,
    dane: v.dane_option ?? 'no',
    bounceVerification: v.bounce_validation === 'on',
    bounceProfile: v.bounce_profile === undefined ? SYSTEM_BOUNCE_PROFILE : profiles.canonical(v.bounce_profile),
  };
}

function entryOf(destination: string, v: SectionValues, profiles: ProfileNames): DestEntry {
  const e = blankEntry(destination);
  if (v.ip_sort_pref !== undefined) e.ipSortPref = v.ip_sort_pref;
  if (v.max_host_concurrency !== undefined) e.maxConcurrency = v.max_host_concurrency;
  if (v.max_messages_per_connection !== undefined) e.maxMessagesPerConnection = v.max_messages_per_connection;
  if (v.recipient_limit !== undefined && v.recipient_minutes !== undefined) {
    e.recipientLimit = { limit: v.recipient_limit, minutes: v.recipient_minutes };
  }
  if (v.limit_type !== undefined) e.limitType = v.limit_type;
  if (v.limit_apply !== undefined) e.limitApply = v.limit_apply;
  if (v.table_tls !== undefined) e.tls = v.table_tls;
  if (v.dane_option !== undefined) e.dane = v.dane_option;
  if (v.bounce_validation !== undefined) e.bounceVerification = v.bounce_validation === 'on';
  e.bounceProfile = v.bounce_profile === undefined ? DEFAULT : profiles.canonical(v.bounce_profile);
  return e;
}

export function buildTable(syntax: Syntax, onProgress?: ProgressFn): BuildResult {
  const errors: FileError[] = [...syntax.errors];
  if (syntax.fatal) return { ok: false, errors };
  const profiles = new ProfileNames();
  const entries = new EntryMap();
  // Only where each destination was first defined: holding the sections themselves would keep every
  // section's settings alive to the end of the pass.
  const seen = new Map<string, { label: string; line: number }>();
  let defaults: DefaultRow | null = null;
  let defaultSection: RawSection | null = null;
  // The sections are taken from `syntax` and each is dropped once checked: a 100,000-entry file's
  // sections (a settings map each) would otherwise stay alive beside the entries built from them.
  const sections: (RawSection | undefined)[] = syntax.sections;
  syntax.sections = [];

  for (let i = 0; i < sections.length; i++) {
    if (onProgress && i % PROGRESS_STEP === 0) onProgress('validate', i, sections.length);
    const section = sections[i] as RawSection;
    sections[i] = undefined;
    const isDefault = section.name.toLowerCase() === 'default';
    const values = parseValues(section, errors);
    // A duplicate or misnamed section gets that one error besides its bad values: its missing or
    // dependent keys would only add noise.
    if (isDefault) {
      if (defaultSection) {
        errors.push({ line: section.line, section: section.label, message: `duplicate section; [DEFAULT] is already defined at line ${defaultSection.line}.` });
        continue;
      }
      checkDependencies(section, true, errors);
      defaultSection = section;
      defaults = defaultRowOf(values, profiles);
      continue;
    }
    const dest = normaliseDestination(section.name);
    if (!dest.ok) {
      errors.push({ line: section.line, section: section.label, message: dest.error });
      continue;
    }
    const first = seen.get(dest.value);
    if (first) {
      const same = first.label === section.label ? '' : ` as ${first.label} (both name ${dest.value})`;
      errors.push({ line: section.line, section: section.label, message: `duplicate section; already defined at line ${first.line}${same}.` });
      continue;
    }
    checkDependencies(section, false, errors);
    seen.set(dest.value, { label: section.label, line: section.line });
    entries.set(dest.value, entryOf(dest.value, values, profiles));
  }
  if (onProgress) onProgress('validate', sections.length, sections.length);

  // Every error names a line (issue 3: `FILE:LINE: ...`); a missing section has none of its own, so the
  // error points at the top of the file, where export writes [DEFAULT].
  if (!defaultSection) errors.push({ line: 1, message: 'no [DEFAULT] section; a table file needs one, with every required key.' });
  if (errors.length > 0 || !defaults) return { ok: false, errors };
  return { ok: true, table: { defaults, entries, bounceProfiles: profiles.list() }, entries: entries.size };
}
