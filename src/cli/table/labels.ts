// Field labels and value words for `lookup`'s text: the words of the shell's DETAIL (src/table/render.ts),
// from the shared label tables of src/table/fields.ts.
import { DANE_LABELS, IP_SORT_LABELS, LIMIT_APPLY_LABELS, LIMIT_TYPE_LABELS, TLS_LABELS, withThousands } from '../../table/fields.js';
import type { DaneMode, IpSortPref, LimitApply, LimitType, RecipientLimit, TlsMode } from '../../table/types.js';
import type { Field } from './view.js';

export const FIELD_LABELS: Record<Field, string> = {
  ipSortPref: 'IP Address Preference',
  maxConcurrency: 'Maximum Concurrent Connections',
  maxMessagesPerConnection: 'Maximum Messages Per Connection',
  recipientLimit: 'Recipient Limit',
  limitType: 'Apply Limits Per Destination',
  limitApply: 'Apply Limits Per ESA Hostname',
  tls: 'TLS Support',
  dane: 'DANE Support',
  bounceVerification: 'Bounce Verification Address Tagging',
  bounceProfile: 'Bounce Profile',
};

/** An effective (never "default") value in words. */
export function valueText(field: Field, value: unknown): string {
  switch (field) {
    case 'ipSortPref':
      return IP_SORT_LABELS[value as IpSortPref];
    case 'maxConcurrency':
    case 'maxMessagesPerConnection':
      return withThousands(value as number);
    case 'recipientLimit': {
      const r = value as RecipientLimit | null;
      return r ? `${withThousands(r.limit)} per ${r.minutes} minute${r.minutes === 1 ? '' : 's'}` : 'No Limit';
    }
    case 'limitType':
      return LIMIT_TYPE_LABELS[value as LimitType];
    case 'limitApply':
      return LIMIT_APPLY_LABELS[value as LimitApply];
    case 'tls':
      return TLS_LABELS[value as TlsMode];
    case 'dane':
      return DANE_LABELS[value as DaneMode];
    case 'bounceVerification':
      return value ? 'Yes' : 'No';
    case 'bounceProfile':
      return String(value);
  }
}
