import { lstatSync, realpathSync } from 'node:fs';
import { MNT_DETACH, MS_BIND, MS_REC, chdir, mount, pivotRoot, umount2 } from '@nsrun/sys';
import { RunnerError } from './errors.js';

// Switching the container to its own root (mounts.ts drives the steps). The user's tree is
// never written to: the mount points must already be there, and pivot_root needs no
// directory for the old root.

/** Directories the rootfs must have (a mount goes on each). */
export const ROOTFS_MOUNT_POINTS = ['proc', 'sys', 'dev'] as const;

/**
 * Checks the mount points and makes `rootfs` a mount point of its own (pivot_root needs one;
 * MS_REC keeps what is already mounted under it). Returns its real path, used from then on.
 */
export function bindRootfs(rootfs: string): string {
  const root = realpathSync(rootfs);
  for (const d of ROOTFS_MOUNT_POINTS) {
    const path = `${root}/${d}`;
    let ok = false;
    try {
      ok = lstatSync(path).isDirectory(); // not a symlink: it could point the mount outside
    } catch {
      // reported below
    }
    if (!ok)
      throw new RunnerError(
        'rootfs',
        `${path}: missing or not a directory; the rootfs needs an empty directory to mount ${d} on (nsrun does not write to the rootfs)`,
      );
  }
  mount(root, root, null, MS_BIND | MS_REC);
  return root;
}

/**
 * pivot_root into `root` once the gate is ready. pivot_root(".", ".") stacks the old root
 * on the new one and the detached umount of "." then takes it away (pivot_root(2)). The gate's
 * root moves along (it was the old root); this thread's comes back with setns(mnt) in setup.ts.
 */
export function pivotInto(root: string, gateReady: () => void): void {
  // The gate must have loaded its programs and libraries from the host's tree first.
  gateReady();
  chdir(root);
  pivotRoot('.', '.');
  umount2('.', MNT_DETACH);
  chdir('/');
}
