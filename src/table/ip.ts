// IP address syntax checks for destination keys, accepting exactly what node:net's isIPv4/isIPv6 accept
// (test/table/ip.test.ts holds them to node:net's answers). Written by hand because node:net is costly at
// start-up: importing it loads the socket layer, and its isIPv6 compiles a large regular expression on
// first use (about 5 ms, which `destconfig list` paid for every table with an IPv6 entry).

const CODE_0 = 0x30;
const CODE_9 = 0x39;
const CODE_DOT = 0x2e;
const CODE_COLON = 0x3a;

/** Dotted-quad IPv4 in s[start, end): four decimal parts 0..255, no leading zeros, no sign or spaces. */
function isIPv4Range(s: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let value = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < CODE_0 || c > CODE_9) break;
      value = value * 10 + (c - CODE_0);
      i++;
      if (i - partStart > 3) return false;
    }
    const digits = i - partStart;
    if (digits === 0 || value > 255 || (digits > 1 && s.charCodeAt(partStart) === CODE_0)) return false;
    parts++;
    if (parts < 4) {
      if (i >= end || s.charCodeAt(i) !== CODE_DOT) return false;
      i++;
    }
  }
  return i === end;
}

/** True for a dotted-quad IPv4 address (`192.0.2.1`; not `192.0.2.01`, `192.0.2`, ` 192.0.2.1`). */
export function isIPv4Address(s: string): boolean {
  return isIPv4Range(s, 0, s.length);
}

function isHex(c: number): boolean {
  return (c >= CODE_0 && c <= CODE_9) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Counts the 16-bit groups in s[start, end), a run of `:`-separated groups with no `::` in it: each group
 * 1..4 hex digits, the last one may be a dotted-quad IPv4 address (two groups) when `v4Last` allows it.
 * An empty range has no groups. -1 when the run is malformed.
 */
function countGroups(s: string, start: number, end: number, v4Last: boolean): number {
  if (start === end) return 0;
  let groups = 0;
  let i = start;
  for (;;) {
    let j = i;
    while (j < end && s.charCodeAt(j) !== CODE_COLON) j++;
    // s[i, j) is one group.
    if (j === end && v4Last && s.indexOf('.', i) >= 0 && s.indexOf('.', i) < end) {
      return isIPv4Range(s, i, end) ? groups + 2 : -1;
    }
    const len = j - i;
    if (len < 1 || len > 4) return -1;
    for (let k = i; k < j; k++) if (!isHex(s.charCodeAt(k))) return -1;
    groups++;
    if (j === end) return groups;
    i = j + 1;
    if (i === end) return -1; // a trailing single ':'
  }
}

/** A zone index (`%eth0`): one or more of letters, digits, `-`, `.`, `:` (as node:net accepts it). */
function isZone(s: string, start: number): boolean {
  if (start >= s.length) return false;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= CODE_0 && c <= CODE_9) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === CODE_DOT || c === CODE_COLON;
    if (!ok) return false;
  }
  return true;
}

/**
 * True for an IPv6 address in text form (RFC 4291 §2.2): eight groups of 1..4 hex digits, or fewer with one
 * `::` standing for at least one zero group, the last 32 bits optionally as a dotted quad, and an optional
 * zone index after `%`.
 */
export function isIPv6Address(s: string): boolean {
  let end = s.length;
  const percent = s.indexOf('%');
  if (percent >= 0) {
    if (!isZone(s, percent + 1)) return false;
    end = percent;
  }
  const gap = s.indexOf('::');
  if (gap < 0 || gap >= end) return countGroups(s, 0, end, true) === 8;
  // One `::` only: the text after it must not hold another (a ':::' run is caught as an empty group).
  const tailStart = gap + 2;
  const again = s.indexOf('::', tailStart);
  if (again >= 0 && again < end) return false;
  const head = countGroups(s, 0, gap, false);
  const tail = countGroups(s, tailStart, end, true);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}
