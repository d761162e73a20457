// The address forms of RFC 3261 §25.1 host: IPv4address and IPv6address, checked in place.
import { isDigit } from './chars.js';

/** RFC 3261 §25.1 IPv4address: four decimal octets of 1–3 digits, each up to 255. */
export function isIpv4(s: string, from: number, to: number): boolean {
  let parts = 0;
  let i = from;
  while (parts < 4) {
    const p = i;
    let octet = 0;
    while (i < to && isDigit(s.charCodeAt(i))) octet = octet * 10 + s.charCodeAt(i++) - 0x30;
    if (i === p || i - p > 3 || octet > 255) return false;
    parts++;
    if (parts < 4) {
      if (s.charCodeAt(i) !== 0x2e) return false;
      i++;
    }
  }
  return i === to;
}

/**
 * RFC 3261 §25.1 IPv6address (RFC 4291 §2.2 text forms): up to eight groups of 1–4 hex digits,
 * at most one "::" standing for one or more zero groups, and an IPv4 address as the last 32 bits.
 */
export function isIpv6(s: string, from: number, to: number): boolean {
  const text = s.slice(from, to);
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return false;
  const groupsOf = (part: string): number => {
    if (part === '') return 0;
    const groups = part.split(':');
    let n = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k] as string;
      if (k === groups.length - 1 && g.includes('.')) {
        if (!isIpv4(g, 0, g.length)) return -1;
        n += 2;
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) n += 1;
      else return -1;
    }
    return n;
  };
  if (gap < 0) return groupsOf(text) === 8;
  const head = text.slice(0, gap);
  const tail = text.slice(gap + 2);
  if (head.includes('.')) return false;
  const a = groupsOf(head);
  const b = groupsOf(tail);
  return a >= 0 && b >= 0 && a + b <= 7;
}
