// Paths of /proc and /sys a container must not read or write, as runc applies them for docker
// and podman by default (moby oci/defaults.go): masked ones are covered (a file by /dev/null, a
// directory by an empty read-only tmpfs); read-only ones are bound onto themselves read-only.
// Those the kernel does not have are skipped.

export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
];

export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
