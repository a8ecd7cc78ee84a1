// Robustness of decodeMessages against malformed input, seeded and bounded.
//
// Inputs: every truncation of every fixture (./fixtures), every single-byte corruption of the
// small fixtures with a few values, random single- and multi-byte corruptions of all fixtures,
// corrupted length fields, and random bytes (half of them behind a plausible nlmsghdr). For
// each one decodeMessages must return or throw DecodeError (with an offset inside the input),
// nothing else: no RangeError, no TypeError. When it returns, encodeMessages must accept what
// it returned. The campaign runs in a worker thread so that a decoder stuck in a loop is caught
// by the time budget (and the case it was on is reported) instead of hanging the suite.
//
// Everything is deterministic (fixed seed, PRNG below): a failure names its case and input,
// and the same run reproduces it. The suites after the campaign keep minimal repros of the
// crashes found while writing it (see the report in each test's title).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DecodeError } from '@nsrun/netlink';
import { decodeMessages, encodeMessages } from '@nsrun/netlink/messages';
import { attrAt, decodeAs, load, list } from './fixtures/load.js';

const SEED = 0x6e737275; // "nsru"
const RANDOM_CORRUPTIONS = 20000;
const MULTI_CORRUPTIONS = 4000;
const LENGTH_CORRUPTIONS = 4000;
const RANDOM_INPUTS = 3000;
const EXHAUSTIVE_MAX_LEN = 256; // fixtures up to this size get every byte corrupted
const TIME_BUDGET_MS = 20000; // the whole campaign
const SLOW_CASE_MS = 250; // one decode

/** xorshift32: small, fast, and the same on every machine. */
function prng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { int: (n) => next() % n, byte: () => next() & 0xff, next };
}

// ---- the campaign (worker thread) -----------------------------------------------------------

const PHASES = ['truncate', 'exhaustive', 'corrupt', 'multi', 'length', 'random'];

function campaign(progress) {
  const fixtures = list().map((name) => ({ name, bytes: load(name) }));
  const rnd = prng(SEED);
  const failures = [];
  const seen = new Set();
  const counts = Object.fromEntries(PHASES.map((p) => [p, 0]));
  const time = Object.fromEntries(PHASES.map((p) => [p, 0]));
  let cases = 0;
  let decodeErrors = 0;
  let slowest = { ms: 0, what: '' };

  function timeDecode(input) {
    const t0 = performance.now();
    try {
      encodeMessages(decodeMessages(input));
    } catch {
      // (judged by the first try)
    }
    return performance.now() - t0;
  }

  function check(phase, what, input) {
    cases++;
    counts[phase]++;
    Atomics.store(progress, 0, cases);
    Atomics.store(progress, 1, PHASES.indexOf(phase));
    const t0 = performance.now();
    let problem;
    try {
      const ms = decodeMessages(input);
      try {
        encodeMessages(ms);
      } catch (e) {
        problem = `encodeMessages threw ${e?.name}: ${e?.message}`;
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) problem = `decodeMessages threw ${e?.name}: ${e?.message}\n${String(e?.stack).split('\n').slice(1, 4).join('\n')}`;
      else if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.length)
        problem = `DecodeError offset ${e.offset} outside the ${input.length}-byte input`;
      else if (typeof e.reason !== 'string' || !e.reason) problem = 'DecodeError without a reason';
      else decodeErrors++;
    }
    let ms = performance.now() - t0;
    time[phase] += ms;
    // A decoder that blows up on an input is slow every time; a loaded machine (a GC pause,
    // another process on the core) only once: the case is timed again before it counts.
    for (let again = 0; again < 3 && ms > SLOW_CASE_MS; again++) ms = Math.min(ms, timeDecode(input));
    if (ms > slowest.ms) slowest = { ms, what: `${phase}: ${what}` };
    if (ms > SLOW_CASE_MS) problem ??= `took ${ms.toFixed(0)} ms (the fastest of 4 tries)`;
    if (problem) {
      const key = problem.split('\n')[0];
      if (!seen.has(key) && failures.length < 20) {
        seen.add(key);
        failures.push({ case: cases, phase, what, problem, input: input.subarray(0, 512).toString('hex'), length: input.length });
      }
    }
  }

  // Every truncation of every fixture (a copy, so a read past the end cannot see stale bytes).
  for (const { name, bytes } of fixtures) {
    for (let n = 0; n < bytes.length; n++) check('truncate', `${name} cut to ${n} bytes`, Buffer.from(bytes.subarray(0, n)));
  }
  // Every byte of the small fixtures, set to 0x00, 0xff, flipped high bit, +1.
  for (const { name, bytes } of fixtures.filter((f) => f.bytes.length <= EXHAUSTIVE_MAX_LEN)) {
    for (let i = 0; i < bytes.length; i++) {
      for (const v of new Set([0x00, 0xff, bytes[i] ^ 0x80, (bytes[i] + 1) & 0xff])) {
        if (v === bytes[i]) continue;
        const b = Buffer.from(bytes);
        b[i] = v;
        check('exhaustive', `${name} byte ${i} ${bytes[i]} -> ${v}`, b);
      }
    }
  }
  // Random single-byte corruptions of any fixture.
  for (let k = 0; k < RANDOM_CORRUPTIONS; k++) {
    const { name, bytes } = fixtures[rnd.int(fixtures.length)];
    const b = Buffer.from(bytes);
    const i = rnd.int(b.length);
    b[i] = rnd.byte();
    check('corrupt', `${name} byte ${i} ${bytes[i]} -> ${b[i]}`, b);
  }
  // Several bytes at once, sometimes followed by a truncation.
  for (let k = 0; k < MULTI_CORRUPTIONS; k++) {
    const { name, bytes } = fixtures[rnd.int(fixtures.length)];
    let b = Buffer.from(bytes);
    const edits = [];
    for (let n = 2 + rnd.int(7); n > 0; n--) {
      const i = rnd.int(b.length);
      b[i] = rnd.byte();
      edits.push(`${i}=${b[i]}`);
    }
    if (rnd.int(4) === 0) b = b.subarray(0, rnd.int(b.length + 1));
    check('multi', `${name} bytes ${edits.join(',')} length ${b.length}`, b);
  }
  // Length fields: 16-bit little-endian values at 4-aligned offsets (where nlmsg_len, nla_len
  // and rtnh_len live), small or near the edges.
  for (let k = 0; k < LENGTH_CORRUPTIONS; k++) {
    const { name, bytes } = fixtures[rnd.int(fixtures.length)];
    const b = Buffer.from(bytes);
    const i = rnd.int(b.length >> 2) << 2;
    const choices = [0, 1, 3, 4, 5, 7, 8, 12, 16, 20, b.length - i, b.length - i + 1, 0xffff, rnd.int(0x10000)];
    const v = choices[rnd.int(choices.length)] & 0xffff;
    if (i + 2 > b.length) continue;
    b.writeUInt16LE(v, i);
    check('length', `${name} u16 at ${i} = ${v}`, b);
  }
  // Random bytes; half of them behind a plausible header so decoding gets past splitMessages.
  const TYPES = [1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 28, 29, 30, 0x40];
  for (let k = 0; k < RANDOM_INPUTS; k++) {
    const n = rnd.int(600);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = rnd.byte();
    if (n >= 16 && rnd.int(2) === 0) {
      b.writeUInt32LE(n, 0);
      b.writeUInt16LE(TYPES[rnd.int(TYPES.length)], 4);
      if (rnd.int(2) === 0 && n >= 24) {
        // and a plausible first attribute after a family header
        const at = [16 + 16, 16 + 8, 16 + 12][rnd.int(3)];
        if (at + 4 <= n) b.writeUInt16LE(4 + rnd.int(n - at - 3), at);
      }
    }
    check('random', `random ${n} bytes #${k}`, b);
  }
  return { cases, decodeErrors, counts, time, failures, slowest };
}

if (!isMainThread) {
  const progress = new Int32Array(workerData.progress);
  parentPort.postMessage(campaign(progress));
} else {
  const { suite } = await import('uvu');
  /** @type {typeof import('uvu/assert')} */
  const assert = await import('uvu/assert');

  const fuzz = suite('decodeMessages: fuzz (seeded, bounded)');

  fuzz(`returns or throws DecodeError on every input; ${TIME_BUDGET_MS / 1000} s budget`, async () => {
    const progress = new SharedArrayBuffer(8);
    const view = new Int32Array(progress);
    const worker = new Worker(new URL(import.meta.url), { workerData: { progress } });
    const started = performance.now();
    const result = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = Atomics.load(view, 0);
        const phase = PHASES[Atomics.load(view, 1)];
        worker.terminate();
        reject(new Error(`time budget exceeded: stuck on case ${at} (phase ${phase}); a decoder loop?`));
      }, TIME_BUDGET_MS);
      worker.once('message', (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    await worker.terminate();
    const elapsed = performance.now() - started;
    console.log(
      `\n# fuzz: ${result.cases} cases (${PHASES.map((p) => `${p} ${result.counts[p]} in ${(result.time[p] / 1000).toFixed(1)} s`).join(', ')}),` +
        ` ${result.decodeErrors} DecodeErrors, ${(elapsed / 1000).toFixed(1)} s, slowest ${result.slowest.ms.toFixed(1)} ms (${result.slowest.what})`,
    );
    const report = result.failures.map((f) => `case ${f.case} [${f.phase}] ${f.what}: ${f.problem}\n  input (${f.length} bytes): ${f.input}`).join('\n');
    assert.is(result.failures.length, 0, `decoder failures:\n${report}`);
    assert.ok(result.cases > 40000, `only ${result.cases} cases ran`);
    assert.ok(result.decodeErrors > 1000, 'the corruptions should make the decoder reject many inputs');
    assert.ok(elapsed < TIME_BUDGET_MS);
  });

  fuzz('every fixture is one the codec suites decode (none left untested)', () => {
    const names = list();
    assert.ok(names.length >= 25);
    // nf-*: nf_tables fixtures, decoded by nf-codec.test.js and nf-rule-codec.test.js; diag-*:
    // sock_diag fixtures, decoded by diag-codec.test.js.
    const untested = names.filter((n) => !/^(nf-|diag-|req-(link|addr|route|neigh)-|dump-(link|addr|route|neigh)|ack\.|done|error-)/.test(n));
    assert.equal(untested, []);
  });

  fuzz.run();

  // ---- minimal repros of the crashes found (each fixed; see the report) ----------------------

  const nlmsg = (type, body) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(16 + body.length, 0);
    h.writeUInt16LE(type, 4);
    return Buffer.concat([h, body]);
  };
  const attr = (type, payload) => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(4 + payload.length, 0);
    h.writeUInt16LE(type, 2);
    return Buffer.concat([h, payload, Buffer.alloc((4 - (payload.length & 3)) & 3)]);
  };
  const IFINFOMSG = Buffer.alloc(16);
  const RTMSG = Buffer.alloc(12);
  const outcome = (buf) => {
    try {
      decodeMessages(buf);
      return 'returned';
    } catch (e) {
      return e instanceof DecodeError ? 'DecodeError' : `${e.name}: ${e.message}`;
    }
  };

  const repro = suite('decodeMessages: repros of crashes found by this suite');

  repro('IFLA_INFO_KIND naming an Object.prototype member ("toString", "constructor", "__proto__") was a TypeError', () => {
    for (const kind of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      // RTM_NEWLINK { IFLA_LINKINFO { IFLA_INFO_KIND kind, IFLA_INFO_DATA { attr 1 } } }
      const buf = nlmsg(16, Buffer.concat([IFINFOMSG, attr(18, Buffer.concat([attr(1, Buffer.from(`${kind}\0`)), attr(2, attr(1, Buffer.alloc(4)))]))]));
      assert.is(outcome(buf), 'returned', kind);
      const info = attrAt(decodeAs('link', buf)[0].body.attrs, 0, 'linkinfo').value;
      assert.equal(
        info.map((a) => a.type),
        ['kind', 'unknown'],
        `${kind}: its data stays unknown`,
      );
      // and IFLA_INFO_SLAVE_KIND: was mislabelled as bridge-port data
      const slave = nlmsg(16, Buffer.concat([IFINFOMSG, attr(18, Buffer.concat([attr(4, Buffer.from(`${kind}\0`)), attr(5, attr(1, Buffer.alloc(1)))]))]));
      assert.equal(
        attrAt(decodeAs('link', slave)[0].body.attrs, 0, 'linkinfo').value.map((a) => a.type),
        ['slaveKind', 'unknown'],
        kind,
      );
    }
  });

  repro('RTA_MULTIPATH nested inside a hop, 3000 deep (36 KB), was a RangeError (stack overflow)', () => {
    let inner = Buffer.alloc(0);
    for (let i = 0; i < 3000; i++) {
      const hop = Buffer.alloc(8);
      hop.writeUInt16LE(8 + inner.length, 0);
      inner = attr(9, Buffer.concat([hop, inner]));
    }
    assert.is(outcome(nlmsg(24, Buffer.concat([RTMSG, inner]))), 'DecodeError');
    // two levels, which the kernel never sends but which is well-formed, still decode
    const two = attr(
      9,
      Buffer.concat([Buffer.from([8 + 20, 0, 0, 0, 3, 0, 0, 0]), attr(9, Buffer.from([8 + 8, 0, 0, 0, 3, 0, 0, 0, 8, 0, 5, 0, 10, 0, 0, 1]))]),
    );
    const [m] = decodeAs('route', nlmsg(24, Buffer.concat([RTMSG, two])));
    const hop = attrAt(m.body.attrs, 0, 'multipath').value[0];
    const nested = attrAt(hop.attrs, 0, 'multipath').value[0];
    assert.is(attrAt(nested.attrs, 0, 'gateway').value, '10.0.0.1');
  });

  repro('veth peers nested 1600 deep (64 KB) were a RangeError (stack overflow)', () => {
    let inner = Buffer.alloc(0);
    for (let i = 0; i < 1600; i++) {
      inner = attr(18, Buffer.concat([attr(1, Buffer.from('veth\0')), attr(2, attr(1, Buffer.concat([IFINFOMSG, inner])))]));
    }
    assert.ok(inner.length <= 0xffff);
    assert.is(outcome(nlmsg(16, Buffer.concat([IFINFOMSG, inner]))), 'DecodeError');
  });

  const lossless = suite('decodeMessages + encodeMessages: losses found by this suite');

  lossless('a string attribute that is not UTF-8 stays raw bytes (it came back as U+FFFD, 3 bytes each)', () => {
    const bytes = Buffer.from(load('req-link-add-bridge'));
    const at = bytes.indexOf(Buffer.from('br0\0'));
    bytes[at] = 0xff; // IFLA_IFNAME "\xffr0"
    const [m] = decodeAs('link', bytes);
    const name = attrAt(m.body.attrs, 0, 'unknown');
    assert.equal([name.type, name.code, name.data?.toString('hex')], ['unknown', 3, 'ff723000']);
    assert.is(encodeMessages([m]).toString('hex'), bytes.toString('hex'));
    // valid UTF-8, U+FFFD itself included, still decodes to a string
    const ok = Buffer.concat([bytes.subarray(0, at - 4), Buffer.from([8, 0, 3, 0, 0xef, 0xbf, 0xbd, 0]), bytes.subarray(at + 4)]);
    assert.equal(decodeAs('link', ok)[0].body.attrs[0], { type: 'ifname', value: '\ufffd' });
  });

  lossless('a DecodeError inside IFLA_INFO_DATA gives the offset in the datagram (it was relative to the nest)', () => {
    const bytes = Buffer.from(load('dump-link-1'));
    const data = bytes.indexOf(Buffer.from('8c010200', 'hex'), 1100); // br0's IFLA_INFO_DATA header
    assert.ok(data > 1100);
    bytes.writeUInt16LE(0xff00, data + 4); // its first IFLA_BR_* attribute now overruns the nest
    try {
      decodeMessages(bytes);
      assert.unreachable('decoded');
    } catch (e) {
      assert.instance(e, DecodeError);
      assert.is(e.offset, data + 4);
    }
  });

  repro.run();
  lossless.run();
}
