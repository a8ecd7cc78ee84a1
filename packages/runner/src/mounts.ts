import { MS_NODEV, MS_NOEXEC, MS_NOSUID, mount } from '@nsrun/sys';
import type { StepRunner } from './errors.js';

// The container's file systems, set up by nsrun's main thread while it stands in the new mount
// namespace (setup.ts), before the command is released. Mounts are already private there.

export interface MountPlan {
  /** The gate's pid as nsrun sees it: /proc is mounted for its pid namespace. */
  pid: number;
  /** The container has its own network namespace: mount a sysfs that shows it. */
  ownNet: boolean;
  /** Switch to this root (pivot_root) with a minimal /dev, fresh /proc and /sys. */
  rootfs: string | undefined;
}

/** Mounts /proc (and /sys) for the container; with a rootfs, pivots into it. */
export function mountContainer(plan: MountPlan, step: StepRunner): void {
  // This thread is not in the new pid namespace (only its children are): name it explicitly.
  step('mount-proc', () => mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, `pidns=/proc/${plan.pid}/ns/pid`));
  // sysfs shows the network namespace of the thread that mounts it: the new one.
  if (plan.ownNet) step('mount-sys', () => mount('sysfs', '/sys', 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, null));
}
