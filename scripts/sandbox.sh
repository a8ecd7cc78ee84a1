#!/bin/sh
# Runs a command in the throwaway sandbox the README's first command makes with
#   unshare --net --mount --pid --fork --mount-proc sh scripts/sandbox.sh CMD [ARG...]
# A private /run (tmpfs), so nsrun's state (/run/nsrun) and named namespaces stay inside it,
# and lo up. Refuses to run anywhere but a fresh network namespace: it would touch the host's.
set -eu
if [ "$(sed -n '3,$p' /proc/net/dev | grep -vc ' lo:')" != 0 ]; then
  echo "sandbox: run me inside a fresh network namespace: unshare --net --mount --pid --fork --mount-proc sh $0 ..." >&2
  exit 2
fi
mount -t tmpfs tmpfs /run
node "$(dirname "$0")/../packages/cli/dist/main.js" ip link set lo up
exec "$@"
