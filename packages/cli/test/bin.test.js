// The `nsrun` executable, dist/bin.cjs: it runs the bundles `npm run build` makes
// (dist/nsrun.entry.cjs, then dist/nsrun.main.cjs when a command needs it) with their V8 code
// caches, and the unbundled entry.js without bundles. The other CLI tests run dist/main.js;
// these run the bundles themselves (--version, ip link, run), and bin.cjs's choices on stand-in
// bundles in a temporary directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';

const BIN = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const { BUNDLES, ID_LINE, WRAPPER_HEAD, WRAPPER_TAIL, cacheHeader, cachedData } = createRequire(import.meta.url)(BIN);
const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

function node(file, args, opts = {}) {
  const r = spawnSync(
    opts.netns ? 'nsenter' : process.execPath,
    opts.netns ? [`--net=${opts.netns.procPath}`, process.execPath, file, ...args] : [file, ...args],
    {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, why: `status ${r.status ?? r.signal}; stderr: ${r.stderr}` };
}

test('the build made both bundles, each a CommonJS wrapper with a code cache that names it, aligned, that V8 accepts', () => {
  for (const { file, cache } of Object.values(BUNDLES)) {
    assert.ok(existsSync(file), `${file} is missing: npm run build makes it`);
    const source = readFileSync(file, 'latin1');
    const id = ID_LINE.exec(source)?.[1];
    assert.ok(id, `first line: ${source.slice(0, 80)}`);
    const [, code] = /^[^\n]*\n([^]*)$/.exec(source);
    assert.ok(code.startsWith(WRAPPER_HEAD) && code.endsWith(WRAPPER_TAIL), `${file}: not its own wrapper`);
    const data = readFileSync(cache);
    assert.equal(data.subarray(0, 64), cacheHeader(id));
    const v8data = cachedData(cache, id);
    assert.ok(v8data && v8data.length === data.length - 64, 'the data starts at byte 64');
    assert.is(cachedData(cache, 'f'.repeat(32)), undefined, 'another build id');
    const script = new Script(source, { filename: file, cachedData: v8data });
    assert.is(script.cachedDataRejected, false, file);
  }
});

test('--version, help and a usage error load the entry bundle only', () => {
  // The process reports which bundles it compiled; the main bundle is the whole toolkit.
  const probe = `const b = require(${JSON.stringify(BIN)}); process.on('exit', () => process.stderr.write('\\n' + Object.keys(b.scripts).join(',')));
b.start(process.argv.slice(1));`;
  /** @type {[string[], number, string][]} */
  const cases = [
    [['--version'], 0, 'entry'],
    [['--help'], 0, 'entry'],
    [['frobnicate'], 2, 'entry'],
    [['run', '--help'], 0, 'entry,main'],
  ];
  for (const [args, status, bundles] of cases) {
    const r = spawnSync(process.execPath, ['-e', probe, '--', ...args], { encoding: 'utf8' });
    assert.is(r.status, status, r.stderr);
    assert.is(r.stderr.split('\n').pop(), bundles, args.join(' '));
  }
});

test("ip, and ip's failures, load none of Node's stream machinery (net, tty, child_process) nor the runner", () => {
  // Which of Node's modules the process loaded after its own start. (Before the runner's error
  // classes had a subpath of their own, a failing ip command initialised the whole runner, and
  // child_process, net and the streams with it.)
  const probe = `const before = new Set(process.moduleLoadList);
const b = require(${JSON.stringify(BIN)});
process.on('exit', () => require('node:fs').writeSync(2, '\\n' + process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(',')));
b.start(process.argv.slice(1));`;
  /** @type {[string[], number][]} */
  const cases = [
    [['ip', '-j', 'link', 'show', 'lo'], 0],
    [['ip', 'link', 'show', 'no-such-link0'], 1],
    [['ip', 'link', 'frobnicate'], 2],
  ];
  const loadedBy = (args, status) => {
    const r = spawnSync(process.execPath, ['-e', probe, '--', ...args], { encoding: 'utf8' });
    assert.is(r.status, status, r.stderr);
    return r.stderr.split('\n').pop()?.split(',') ?? [];
  };
  // The runner's initialisation shows as node:timers/promises (its state directory's import),
  // which nothing of ip's loads: `run --help` initialises the runner, and must show it.
  const RUNNER_MARK = 'timers/promises';
  assert.ok(loadedBy(['run', '--help'], 0).includes(RUNNER_MARK), `the runner's mark (${RUNNER_MARK}) no longer tells its initialisation: choose another`);
  for (const [args, status] of cases) {
    const loaded = loadedBy(args, status);
    const heavy = loaded.filter((m) => /^(net|tty|child_process|stream|dgram|internal\/streams\/.*)$/.test(m) || m === RUNNER_MARK);
    assert.equal(heavy, [], `${args.join(' ')}: loaded ${loaded.join(' ')}`);
  }
});

test('the executable npm links (bin/nsrun.cjs, committed) runs the built entry', () => {
  const linked = fileURLToPath(new URL('../bin/nsrun.cjs', import.meta.url));
  const v = node(linked, ['--version']);
  assert.is(v.status, 0, v.stderr);
  assert.match(v.stdout, /^nsrun \d+\.\d+\.\d+\n$/);
});

test('--version and help through the bundle', () => {
  const v = node(BIN, ['--version']);
  assert.is(v.status, 0, v.why);
  assert.is(v.stdout, `nsrun ${VERSION}\n`);
  const h = node(BIN, ['run', '--help']);
  assert.is(h.status, 0, h.why);
  assert.match(h.stdout, /^Usage: nsrun run /);
  const bad = node(BIN, ['frobnicate']);
  assert.is(bad.status, 2);
  assert.is(bad.stderr, 'nsrun: unknown command "frobnicate"\nTry "nsrun help".\n');
});

/** A directory holding a copy of bin.cjs and the given files. */
function standIn(files) {
  const dir = mkdtempSync(join(tmpdir(), 'nsrun-bin-'));
  copyFileSync(BIN, join(dir, 'bin.cjs'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('bin.cjs runs the bundles next to it, each with its cache only when the cache names it', () => {
  // A stand-in entry that asks for the main bundle, which uses the entry's args module.
  const bundle = (id, code) => `// nsrun bundle ${id} (stand-in)\n${WRAPPER_HEAD}${code}${WRAPPER_TAIL}`;
  const entry = (id, word) =>
    bundle(
      id,
      `module.exports.args = { word: ${JSON.stringify(word)} };\n` +
        "module.exports.cli = () => console.log(require('nsrun:main').say(), __filename.endsWith('nsrun.entry.cjs'));",
    );
  const main = (id) => bundle(id, "module.exports.say = () => require('nsrun:args').word + ' main';");
  const cacheFile = (id, data) => Buffer.concat([cacheHeader(id), Buffer.from(data)]);
  const cases = [
    { files: {}, out: 'plain main true' },
    // Another build's cache: not even handed to V8.
    { files: { 'nsrun.entry.cache': cacheFile('bbbb', 'not v8 data'), 'nsrun.main.cache': cacheFile('bbbb', 'not v8 data') }, out: 'other-build main true' },
    // This build's id but data V8 refuses: V8 compiles the source instead.
    { files: { 'nsrun.entry.cache': cacheFile('aaaa', 'not v8 data'), 'nsrun.main.cache': cacheFile('cccc', 'not v8 data') }, out: 'refused main true' },
    // The old layout (id, newline, data): not this build's header, not used.
    { files: { 'nsrun.entry.cache': 'aaaa\nnot v8 data', 'nsrun.main.cache': 'cccc\nnot v8 data' }, out: 'old-layout main true' },
  ];
  for (const c of cases) {
    const word = c.out.split(' ')[0];
    const dir = standIn({ 'nsrun.entry.cjs': entry('aaaa', word), 'nsrun.main.cjs': main('cccc'), ...c.files });
    try {
      const r = node(join(dir, 'bin.cjs'), []);
      assert.is(r.status, 0, r.why);
      assert.is(r.stdout, `${c.out}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('without bundles, bin.cjs runs the unbundled entry.js', () => {
  const dir = standIn({
    'package.json': '{"type":"module"}',
    'entry.js': 'export function cli() { console.log("unbundled", process.argv.slice(2).join(" ")); }\n',
  });
  try {
    const r = node(join(dir, 'bin.cjs'), ['a', 'b']);
    assert.is(r.status, 0, r.why);
    assert.is(r.stdout, 'unbundled a b\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

const k = kernelSuite('nsrun through the bundle');

k('ip -j link: the same as the unbundled entry, in a fresh namespace', (ctx) => {
  ctx.ip('link', 'add', 'nsrb0', 'type', 'veth', 'peer', 'name', 'nsrb1');
  const viaBundle = node(BIN, ['ip', '-j', 'link'], { netns: ctx.ns });
  const viaMain = node(MAIN, ['ip', '-j', 'link'], { netns: ctx.ns });
  assert.is(viaBundle.status, 0, viaBundle.why);
  assert.is(viaBundle.stderr, '');
  assert.equal(JSON.parse(viaBundle.stdout), JSON.parse(viaMain.stdout));
  assert.equal(
    JSON.parse(viaBundle.stdout)
      .map((l) => l.ifname)
      .sort(),
    ['lo', 'nsrb0', 'nsrb1'],
  );
});

k('ip errors through the bundle: the same line and status as the unbundled entry', (ctx) => {
  // A NetlinkError (status 1), a ValidationError and a usage error (status 2).
  for (const args of [
    ['link', 'del', 'nsrb-none'],
    ['link', 'add', 'name', 'a b', 'type', 'dummy'],
    ['addr', 'add', '10.0.0.1/33', 'dev', 'lo'],
  ]) {
    const a = node(BIN, ['ip', ...args], { netns: ctx.ns });
    const b = node(MAIN, ['ip', ...args], { netns: ctx.ns });
    assert.ok(a.status !== 0, a.why);
    assert.equal([a.status, a.stderr], [b.status, b.stderr]);
  }
});

k('run --net none through the bundle: the command is PID 1, its status comes back', (ctx) => {
  const r = node(BIN, ['run', '--net', 'none', '--', 'sh', '-c', 'echo $$; exit 3'], { netns: ctx.ns });
  assert.is(r.status, 3, r.why);
  assert.is(r.stdout, '1\n');
});

k('output that fills a non-blocking pipe is all there when nsrun exits', async (ctx) => {
  if (!existsSync('/usr/bin/python3')) return skip('python3 is missing: it makes the pipe non-blocking');
  // nsrun ends its process as soon as a command is done (bin: no isolate teardown) unless some
  // output went through Node's stream: a write refused with EAGAIN (a non-blocking fd, as a
  // process sharing the pipe may set) is left for the event loop. 600 veth pairs make ~640 KB of
  // `ip -j -d link`, more than the pipe and the reader's buffer hold before the reader starts.
  const lines = [];
  for (let i = 0; i < 600; i++) lines.push(`link add nb${i}a type veth peer name nb${i}b`);
  ctx.sh(`ip -batch - <<'EOF'\n${lines.join('\n')}\nEOF`);
  const nonblock = 'import fcntl, os, sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execvp(sys.argv[1], sys.argv[1:])';
  const child = spawn('nsenter', [`--net=${ctx.ns.procPath}`, 'python3', '-c', nonblock, process.execPath, BIN, 'ip', '-j', '-d', 'link', 'show'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pause();
  const chunks = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const status = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
  // Read nothing for a while: the pipe fills and nsrun's writes meet EAGAIN.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.stdout.on('data', (d) => chunks.push(d));
  child.stdout.resume();
  assert.is(await status, 0, stderr);
  const out = Buffer.concat(chunks).toString();
  assert.ok(out.length > 500_000, `only ${out.length} bytes`);
  const links = JSON.parse(out);
  assert.is(links.filter((l) => /^nb\d+[ab]$/.test(l.ifname)).length, 1200);
});

k.run();
