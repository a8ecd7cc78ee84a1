import { constants } from 'node:os';

// errno number -> name (EEXIST ...), from Node's own table of the platform's errno values.
const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}
// Aliases share a number; use the names the kernel and iproute2 print.
for (const name of ['EOPNOTSUPP', 'EAGAIN', 'EDEADLK']) {
  const v = (constants.errno as Record<string, number>)[name];
  if (v !== undefined) ERRNO_NAMES.set(v, name);
}

/** Name of an errno value (`17` -> `"EEXIST"`), or `"E<n>"` when the platform has none. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** Number of an errno name (`"EEXIST"` -> `17`). */
export function errnoNumber(code: string): number | undefined {
  return (constants.errno as Record<string, number>)[code];
}

/** A failed system call: which call, the errno number and its name, and what it was acting on. */
export class SysError extends Error {
  override readonly name = 'SysError';
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;
  /** What the call was acting on (a path, a pid, an fd), when known. */
  readonly target: string | undefined;

  constructor(syscall: string, errno: number, target?: string, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall}${target === undefined ? '' : ` ${target}`}: ${code} (${detail ?? strerror(errno)})`);
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
    this.target = target;
  }
}

const MESSAGES: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  ERANGE: 'Numerical result out of range',
  ENOBUFS: 'No buffer space available',
  EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EPROTONOSUPPORT: 'Protocol not supported',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETUNREACH: 'Network is unreachable',
  ENETDOWN: 'Network is down',
  EPROTO: 'Protocol error',
  ENOTTY: 'Inappropriate ioctl for device',
  ENOPROTOOPT: 'Protocol not available',
  ESPIPE: 'Illegal seek',
  EPIPE: 'Broken pipe',
  ETIMEDOUT: 'Connection timed out',
  ENOTSUP: 'Operation not supported',
  EMSGSIZE: 'Message too long',
  ENOTCONN: 'Transport endpoint is not connected',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENAMETOOLONG: 'File name too long',
  ENOEXEC: 'Exec format error',
  ECHILD: 'No child processes',
  E2BIG: 'Argument list too long',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  EROFS: 'Read-only file system',
  EXDEV: 'Invalid cross-device link',
};

/** The C library's text for an errno (the common ones; others print their name). */
export function strerror(errno: number): string {
  const name = errnoName(errno);
  return MESSAGES[name] ?? name;
}
