import { BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_K, BPF_LD, BPF_MAXINSNS, BPF_RET, BPF_W } from './constants.js';

// A classic BPF assembler for seccomp filters: instructions with symbolic jump targets, laid out
// into struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } (<linux/filter.h>), 8 bytes
// each, host byte order (the kernel reads them as C structs). Conditional jumps reach at most 255
// instructions ahead; longer ones go through BPF_JA, whose offset is 32 bits.

/** A jump target: a label name, or how many instructions to skip (0: the next one). */
export type Target = string | number;

export type Insn =
  | { op: 'ld'; offset: number }
  | { op: 'and'; k: number }
  | { op: 'jeq' | 'jge'; k: number; jt: Target; jf: Target }
  | { op: 'ja'; to: Target }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: string };

export class BpfError extends Error {
  override readonly name = 'BpfError';
}

const CODES = {
  ld: BPF_LD | BPF_W | BPF_ABS,
  and: BPF_ALU | BPF_AND | BPF_K,
  jeq: BPF_JMP | BPF_JEQ | BPF_K,
  jge: BPF_JMP | BPF_JGE | BPF_K,
  ja: BPF_JMP | BPF_JA,
  ret: BPF_RET | BPF_K,
} as const;

/** Lays the program out: labels resolved, 8 bytes per instruction. */
export function assemble(program: readonly Insn[]): Buffer {
  const at = new Map<string, number>();
  let n = 0;
  for (const i of program) {
    if (i.op !== 'label') n++;
    else if (at.has(i.name)) throw new BpfError(`label ${i.name} defined twice`);
    else at.set(i.name, n);
  }
  if (n > BPF_MAXINSNS) throw new BpfError(`${n} instructions: more than BPF_MAXINSNS (${BPF_MAXINSNS})`);
  const out = Buffer.alloc(n * 8);
  let pc = 0;
  const offset = (t: Target, max: number): number => {
    let d: number;
    if (typeof t === 'number') d = t;
    else {
      const to = at.get(t);
      if (to === undefined) throw new BpfError(`jump to undefined label ${t}`);
      d = to - pc - 1;
    }
    if (!Number.isInteger(d) || d < 0 || d > max) throw new BpfError(`jump from ${pc} to ${t} out of reach (${d})`);
    return d;
  };
  for (const i of program) {
    if (i.op === 'label') continue;
    let jt = 0;
    let jf = 0;
    let k = 0;
    switch (i.op) {
      case 'ld':
        k = i.offset;
        break;
      case 'and':
      case 'ret':
        k = i.k;
        break;
      case 'jeq':
      case 'jge':
        k = i.k;
        jt = offset(i.jt, 255);
        jf = offset(i.jf, 255);
        break;
      case 'ja':
        k = offset(i.to, 0xffffffff);
        break;
    }
    const o = pc * 8;
    out.writeUInt16LE(CODES[i.op], o);
    out.writeUInt8(jt, o + 2);
    out.writeUInt8(jf, o + 3);
    out.writeUInt32LE(k >>> 0, o + 4);
    pc++;
  }
  return out;
}
