import { Buffer } from 'node:buffer';

// The IP address texts the toolkit reads, as inet_pton(3) reads them (what iproute2 and the
// kernel's other users parse with): the one parser of the toolkit. Non-throwing (a value or
// undefined/-1), exported by @nsrun/netlink/wire; parseIP (attrs.ts) and validate.ts's checks
// are the throwing ways in.

/**
 * The value of the dotted quad in `s` from `start` to `end` (a u32, network order as a number), or
 * -1 when it is not one: four parts of 1-3 digits up to 255, no leading zeros (010 would be octal
 * to inet_aton, decimal to others: refused, as the runner's textToIp refuses it). One pass, no
 * intermediate objects: bulk route and address work parses tens of thousands of these.
 */
export function ipv4Value(s: string, start = 0, end = s.length): number {
  let out = 0;
  let part = 0;
  let n = -1;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const ch = i < end ? s.charCodeAt(i) : 46; // a final '.' closes the last part
    if (ch >= 48 && ch <= 57) {
      if (digits > 0 && n === 0) return -1; // leading zero
      n = (n < 0 ? 0 : n * 10) + (ch - 48);
      if (++digits > 3 || n > 255) return -1;
    } else if (ch === 46) {
      if (digits === 0 || part > 3) return -1;
      out = out * 256 + n;
      part++;
      n = -1;
      digits = 0;
    } else return -1;
  }
  return part === 4 ? out : -1;
}

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
    const v4 = ipv4Value(text, lastColon + 1);
    if (v4 < 0) return undefined;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
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
