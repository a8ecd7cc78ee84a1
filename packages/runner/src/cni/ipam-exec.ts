import { nodeChildProcess } from '../lazy-node.js';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, CNI_ERR_IPAM } from './errors.js';
import { decodeResult, type CniResult } from './result.js';
import type { CniCommand } from './env.js';

// Delegation (SPEC.md, section 4): the IPAM plugin named in `ipam.type` is looked up in the
// directories of CNI_PATH, run with the environment nsrun was given (CNI_COMMAND changed only
// for the DEL that undoes a failed ADD) and the same configuration on stdin; its stderr is
// ours. Its error result is passed on as it is (its code, msg and details); anything else that
// goes wrong running it is error 103.

export interface DelegateOptions {
  type: string;
  command: CniCommand;
  /** The configuration text nsrun was given. */
  stdin: string;
  /** CNI_PATH, split. */
  path: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** The plugin's executable: the first `DIR/type` of CNI_PATH that is an executable file. */
export function findPlugin(type: string, path: readonly string[]): string {
  for (const dir of path) {
    const file = join(dir, type);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      continue;
    }
  }
  throw new CniError(
    CNI_ERR_IPAM,
    `IPAM plugin ${JSON.stringify(type)} not found`,
    `no executable ${type} in CNI_PATH (${path.length ? path.join(':') : 'empty'})`,
  );
}

/** Runs the delegated plugin; its result for ADD (undefined for the other commands). */
export function execDelegate(o: DelegateOptions): CniResult | undefined {
  const file = findPlugin(o.type, o.path);
  const r = nodeChildProcess().spawnSync(file, [], {
    input: o.stdin,
    env: { ...(o.env ?? process.env), CNI_COMMAND: o.command },
    stdio: ['pipe', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.error)
    throw new CniError(CNI_ERR_IPAM, `cannot run IPAM plugin ${o.type}`, `${file}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`, r.error);
  const out = r.stdout.trim();
  if (r.status !== 0) {
    // The plugin's own error result, passed on as it is.
    let e: unknown;
    try {
      e = JSON.parse(out);
    } catch {
      e = undefined;
    }
    if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'number') {
      const { code, msg, details } = e as { code: number; msg?: unknown; details?: unknown };
      throw new CniError(code, `${o.type}: ${typeof msg === 'string' ? msg : 'error'}`, typeof details === 'string' && details !== '' ? details : undefined);
    }
    const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`;
    throw new CniError(CNI_ERR_IPAM, `IPAM plugin ${o.type} failed`, `${file} ${how}${out ? `: ${out.slice(0, 300)}` : ' and printed nothing'}`);
  }
  if (o.command !== 'ADD') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(out);
  } catch (e) {
    throw new CniError(CNI_ERR_IPAM, `IPAM plugin ${o.type} printed no result`, `${file}: ${(e as Error).message}`);
  }
  const res = decodeResult(v, `the result of IPAM plugin ${o.type}`, CNI_ERR_IPAM);
  if (!res.ips?.length) throw new CniError(CNI_ERR_IPAM, `IPAM plugin ${o.type} returned no address`, 'its result has no ips');
  return res;
}
