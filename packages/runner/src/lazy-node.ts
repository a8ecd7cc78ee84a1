import { createRequire } from 'node:module';

// node:net, node:tty and node:child_process load Node's stream machinery and its bindings (~25
// modules) when they are imported: a cost at every start of the CLI and of the CNI plugin, for
// the few paths that open a socket, read a terminal or run a program. Those take the module when
// they run.
const require = createRequire(import.meta.url);

export const nodeNet = (): typeof import('node:net') => require('node:net') as typeof import('node:net');
export const nodeChildProcess = (): typeof import('node:child_process') => require('node:child_process') as typeof import('node:child_process');
export const nodeTty = (): typeof import('node:tty') => require('node:tty') as typeof import('node:tty');
