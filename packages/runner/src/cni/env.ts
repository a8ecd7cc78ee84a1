import type { StateDir } from '../state/dir.js';
import { CniError, CNI_ERR_INVALID_ENV } from './errors.js';

// The protocol parameters (SPEC.md, section 2 "Parameters"), from the environment, checked
// before anything else: which ones each command requires, and their form. A missing or
// malformed one is error 4, naming the variable.

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
const COMMANDS: readonly string[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  /** Path of the container's network namespace; '' when not given (allowed for DEL). */
  netns: string;
  ifname: string;
  /** CNI_ARGS, `K=V;K=V`, as a map (IgnoreUnknown, K8S_POD_NAME, MAC, IP...). */
  args: Map<string, string>;
  /** CNI_PATH, split: where delegated (IPAM) plugins are looked for. */
  path: string[];
}

/** What every command (ADD, DEL, CHECK, GC, STATUS) runs with, beside its env and configuration. */
export interface CniCommandOptions {
  state: StateDir;
  /** The environment given to delegated plugins. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** SPEC.md: alphanumeric first, then alphanumerics, `_`, `.`, `-`. */
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Which variables each command needs (SPEC.md, section 2, per operation). */
const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  VERSION: [],
  STATUS: [],
  GC: [],
};

const invalid = (names: string, why: string): CniError => new CniError(CNI_ERR_INVALID_ENV, `invalid environment variable ${names}`, why);

export function parseEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = env.CNI_COMMAND;
  if (command === undefined || command === '') throw invalid('CNI_COMMAND', 'CNI_COMMAND is not set (ADD, DEL, CHECK, VERSION, STATUS or GC)');
  if (!COMMANDS.includes(command)) throw invalid('CNI_COMMAND', `CNI_COMMAND ${JSON.stringify(command)} is not ADD, DEL, CHECK, VERSION, STATUS or GC`);
  const cmd = command as CniCommand;
  const missing = REQUIRED[cmd].filter((k) => !env[k]);
  if (missing.length) throw invalid(missing.join(', '), `${missing.join(', ')} must be set for ${cmd}`);
  // VERSION, STATUS and GC take none of the attachment's variables: what a runtime leaves in
  // them is not looked at (libcni validates a configuration with CNI_NETNS=dummy).
  if (cmd === 'VERSION' || cmd === 'STATUS' || cmd === 'GC')
    return { command: cmd, containerId: '', netns: '', ifname: '', args: new Map(), path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== '') };
  const containerId = env.CNI_CONTAINERID ?? '';
  if (containerId !== '' && !CONTAINER_ID.test(containerId)) {
    throw invalid(
      'CNI_CONTAINERID',
      `CNI_CONTAINERID ${JSON.stringify(containerId)}: must start with a letter or digit, then letters, digits, "_", "." or "-"`,
    );
  }
  const ifname = env.CNI_IFNAME ?? '';
  // IFNAMSIZ is 16 with the NUL; '/', whitespace and ':' the kernel refuses (dev_valid_name).
  if (ifname !== '' && (Buffer.byteLength(ifname) > 15 || ifname === '.' || ifname === '..' || /[/\s:]/.test(ifname))) {
    throw invalid('CNI_IFNAME', `CNI_IFNAME ${JSON.stringify(ifname)} is not an interface name (at most 15 bytes, no "/", ":" or white space)`);
  }
  const netns = env.CNI_NETNS ?? '';
  if (netns !== '' && !netns.startsWith('/')) throw invalid('CNI_NETNS', `CNI_NETNS ${JSON.stringify(netns)} must be an absolute path`);
  return { command: cmd, containerId, netns, ifname, args: parseArgs(env.CNI_ARGS ?? ''), path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== '') };
}

/** CNI_ARGS: `FOO=BAR;ABC=123`. A pair without '=' is malformed (error 4). */
export function parseArgs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid('CNI_ARGS', `CNI_ARGS ${JSON.stringify(text)}: ${JSON.stringify(pair)} is not KEY=VALUE`);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}
