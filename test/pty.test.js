// `nsrun run /bin/sh` on a terminal: a pseudo-terminal made by tmux, keys typed into it, the
// screen read back. The shell runs inside the container and its exit status is nsrun's.
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { kernelSuite, skip } from '@nsrun/test-helpers/kernel';
import { MAIN, removeStateDir, stateDir } from '@nsrun/test-helpers/nsrun';

const k = kernelSuite('nsrun run on a terminal');
const haveTmux = spawnSync('tmux', ['-V']).status === 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

k('an interactive shell in the container, driven through a pty', async (ctx) => {
  if (!haveTmux) return skip('tmux is not installed (.ci/run installs it)');
  const state = stateDir();
  const sock = `nsrun-test-${process.pid}`;
  const statusFile = `${state}/status`;
  const tmux = (...args) => execFileSync('tmux', ['-L', sock, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const cmd = `nsenter --net=${ctx.ns.procPath} ${process.execPath} ${MAIN} run --state-dir ${state} --hostname ttybox /bin/sh; echo $? > ${statusFile}; sleep 30`;
  tmux('new-session', '-d', '-s', 't', '-x', '160', '-y', '40', cmd);
  const screen = () => tmux('capture-pane', '-p', '-t', 't');
  const until = async (re, what) => {
    for (let i = 0; i < 200; i++) {
      if (re.test(screen())) return;
      await sleep(50);
    }
    throw new Error(`${what} never appeared:\n${screen()}`);
  };
  try {
    await until(/^[#$] ?$/m, 'the prompt');
    tmux('send-keys', '-t', 't', 'echo "pid=$$ host=$(hostname) tty=$(test -t 0 && echo yes)"; ip -o link | wc -l', 'Enter');
    await until(/^pid=1 host=ttybox tty=yes$/m, 'the answer');
    await until(/^2$/m, 'two links (lo, eth0)');
    tmux('send-keys', '-t', 't', 'exit 3', 'Enter');
    for (let i = 0; i < 200 && !existsSync(statusFile); i++) await sleep(50);
    assert.is(readFileSync(statusFile, 'utf8').trim(), '3');
  } finally {
    try {
      tmux('kill-server');
    } catch {}
    removeStateDir(state);
  }
});

k.run();
