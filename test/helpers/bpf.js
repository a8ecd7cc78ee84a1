// A classic BPF interpreter for seccomp programs, written for the tests from the kernel's
// description (Documentation/networking/filter.rst, <linux/filter.h>), independently of the
// assembler: it runs a program's bytes on a struct seccomp_data and returns what the filter
// returns. Only the instructions a seccomp filter of nsrun's uses are known; any other is an error.

/** Runs `prog` (struct sock_filter bytes) on { nr, arch, args: [6 × bigint|number] }. */
export function runFilter(prog, data) {
  const n = prog.length / 8;
  const words = new Map();
  const put = (off, v) => words.set(off, Number(BigInt.asUintN(32, BigInt(v))));
  put(0, data.nr);
  put(4, data.arch);
  put(8, 0);
  put(12, 0);
  (data.args ?? []).forEach((a, i) => {
    const v = BigInt.asUintN(64, BigInt(a));
    put(16 + 8 * i, v & 0xffffffffn);
    put(20 + 8 * i, v >> 32n);
  });
  for (let i = (data.args ?? []).length; i < 6; i++) {
    put(16 + 8 * i, 0);
    put(20 + 8 * i, 0);
  }
  let A = 0;
  for (let pc = 0, steps = 0; pc < n; steps++) {
    if (steps > 100000) throw new Error('no return after 100000 steps');
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        if (k % 4 || !words.has(k)) throw new Error(`load from bad offset ${k}`);
        A = words.get(k);
        break;
      case 0x54: // BPF_ALU | BPF_AND | BPF_K
        A = (A & k) >>> 0;
        break;
      case 0x05: // BPF_JMP | BPF_JA
        pc += k;
        break;
      case 0x15: // JEQ K
        pc += A === k ? jt : jf;
        break;
      case 0x35: // JGE K
        pc += A >= k ? jt : jf;
        break;
      case 0x25: // JGT K
        pc += A > k ? jt : jf;
        break;
      case 0x45: // JSET K
        pc += (A & k) !== 0 ? jt : jf;
        break;
      case 0x06: // BPF_RET | BPF_K
        return k;
      default:
        throw new Error(`unknown opcode 0x${code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error('ran off the end of the program');
}
