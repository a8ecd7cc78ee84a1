// Node caches process.cwd() and clears the cache only in process.chdir(): after a chdir,
// chroot, pivot_root or setns(mnt) made through FFI, process.cwd() would still print the old
// directory (measured: "/tmp/exp" after an FFI chdir to /usr). chdir(".") through Node clears
// the cache without moving. Worker threads cannot chdir; their cache is theirs to keep.
export function refreshNodeCwd(): void {
  try {
    process.chdir('.');
  } catch {
    // In a worker (ERR_WORKER_UNSUPPORTED_OPERATION) or a cwd that no longer resolves.
  }
}
