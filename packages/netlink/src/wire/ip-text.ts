import { Buffer } from 'node:buffer';

// The IP address texts the toolkit reads, as inet_pton(3) reads them (what iproute2 and the
// kernel's other users parse with). Internal to the package: parseIP (attrs.ts) and
// validate.ts's checks are the public ways in.

// No leading zeros (010 would be octal to inet_aton, decimal to others): refused, as
// validate.ts's checkAddress and the runner's textToIp refuse it.
const OCTET = '(0|[1-9]\\d{0,2})';
export const V4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * The 16 bytes of an IPv6 address in text, undefined when it is not one: the forms inet_pton(3)
 * takes (what iproute2 and the kernel's users parse with), no zone, no prefix length. `::` stands
 * for one or more zero groups, at most once; a trailing dotted quad (::ffff:1.2.3.4) is the
 * last two groups, its parts without leading zeros.
 */
export function ipv6Bytes(s: string): Buffer | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (text.indexOf('.', lastColon) >= 0) {
    const m = V4.exec(text.slice(lastColon + 1));
    if (!m) return undefined;
    const q = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    if (q.some((n) => n > 255)) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const h of part.split(':')) {
      if (!HEX_GROUP.test(h)) return undefined;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (head === undefined) return undefined;
  let groups = head;
  if (halves.length === 2) {
    const rest = parse(halves[1]!);
    if (rest === undefined || head.length + rest.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  }
  if (groups.length !== 8) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}
