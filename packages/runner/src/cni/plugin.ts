import { openStateDir } from '../open-state.js';
import { RunnerError } from '../errors.js';
import { cniAdd } from './add.js';
import { cniCheck } from './check.js';
import { parseConfig, peekVersion } from './config.js';
import { cniDel } from './del.js';
import { parseEnv } from './env.js';
import { CniError, CNI_ERR_INCOMPATIBLE_VERSION, CNI_ERR_INVALID_CONFIG } from './errors.js';
import { cniGc, cniStatus } from './gc.js';
import { encodeResult } from './result.js';
import { atLeast, isVersion, SUPPORTED_VERSIONS } from './version.js';

// One run of the CNI plugin (SPEC.md, section 2): the parameters from the environment, the
// configuration from stdin, one command; the result (ADD, VERSION) or the error object on
// stdout, status 0 or 1. Nothing is created before every input has been checked.

export interface CniRunOptions {
  /** The protocol's environment (CNI_COMMAND, ...); also what delegated plugins get. */
  env: NodeJS.ProcessEnv;
  /** The configuration text. */
  stdin: string;
  signal?: AbortSignal | undefined;
  /** Problems that do not fail the command (stderr, in the plugin). */
  onWarning?: ((message: string) => void) | undefined;
}

export interface CniOutput {
  stdout: string;
  /** 0 on success, 1 with an error object on stdout. */
  status: number;
}

/** How long a command waits for the state lock before it answers "try again later" (11). */
export const CNI_LOCK_TIMEOUT_MS = 30_000;

export async function cniPlugin(o: CniRunOptions): Promise<CniOutput> {
  let version = peekVersion(o.stdin);
  try {
    const e = parseEnv(o.env);
    if (e.command === 'VERSION') {
      return { stdout: `${JSON.stringify({ cniVersion: isVersion(version) ? version : '1.1.0', supportedVersions: SUPPORTED_VERSIONS })}\n`, status: 0 };
    }
    const conf = parseConfig(o.stdin, e.args);
    version = conf.cniVersion;
    const needs = e.command === 'CHECK' ? '0.4.0' : e.command === 'STATUS' || e.command === 'GC' ? '1.1.0' : undefined;
    if (needs && !atLeast(conf.cniVersion, needs)) {
      throw new CniError(
        CNI_ERR_INCOMPATIBLE_VERSION,
        'incompatible CNI version',
        `${e.command} is defined from CNI ${needs} on; the configuration says ${conf.cniVersion}`,
      );
    }
    let state;
    try {
      state = openStateDir(conf.stateDir, o.onWarning);
    } catch (err) {
      throw new CniError(CNI_ERR_INVALID_CONFIG, 'invalid network configuration: stateDir', (err as RunnerError).message);
    }
    const timeout = AbortSignal.timeout(CNI_LOCK_TIMEOUT_MS);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    const opts = { state, env: o.env, signal };
    switch (e.command) {
      case 'ADD':
        return { stdout: `${encodeResult(await cniAdd(e, conf, opts), conf.cniVersion)}\n`, status: 0 };
      case 'DEL':
        await cniDel(e, conf, opts);
        break;
      case 'CHECK':
        await cniCheck(e, conf, opts);
        break;
      case 'GC':
        await cniGc(e, conf, opts);
        break;
      case 'STATUS':
        await cniStatus(e, conf, opts);
        break;
    }
    return { stdout: '', status: 0 };
  } catch (err) {
    const ce = CniError.from(err);
    return { stdout: `${JSON.stringify(ce.toJSON(isVersion(version) ? version : '1.0.0'))}\n`, status: 1 };
  }
}
