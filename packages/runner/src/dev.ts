import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, mount } from '@nsrun/sys';

// A minimal /dev for a container with its own root, as container runtimes make it: a small
// tmpfs, the harmless character devices bound from the host's /dev, a private devpts instance
// (its own pty numbering, not the host's ptys), a /dev/shm, and the conventional symlinks.

/** Devices bound from the host (each onto an empty file of the container's /dev). */
export const DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'] as const;

export const DEV_SYMLINKS: readonly (readonly [name: string, target: string])[] = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
  ['ptmx', 'pts/ptmx'],
];

/**
 * Mounts the container's /dev on `dev` (a directory of the rootfs, not yet pivoted into). With
 * `nodev`, a node made there with mknod opens nothing: only the bound devices (mounts of their
 * own, from the host's /dev) and the devpts work.
 */
export function mountDev(dev: string, nodev: boolean): void {
  mount('tmpfs', dev, 'tmpfs', MS_NOSUID | MS_NOEXEC | (nodev ? MS_NODEV : 0), 'mode=755,size=65536k');
  for (const name of DEV_NODES) {
    writeFileSync(`${dev}/${name}`, '', { mode: 0o666 });
    mount(`/dev/${name}`, `${dev}/${name}`, null, MS_BIND);
  }
  mkdirSync(`${dev}/pts`);
  // newinstance: the container's ptys are its own; ptmxmode lets anyone open pts/ptmx.
  mount('devpts', `${dev}/pts`, 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620');
  mkdirSync(`${dev}/shm`);
  mount('shm', `${dev}/shm`, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=1777,size=65536k');
  for (const [name, target] of DEV_SYMLINKS) symlinkSync(target, `${dev}/${name}`);
}
