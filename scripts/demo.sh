#!/bin/sh
# The classic "container network" steps done with `nsrun ip` (no `ip` binary), inside a
# throwaway sandbox: a bridge, a veth pair, one end moved into another process's network
# namespace by PID, addresses, a default route, and a ping across.
#
#   sudo unshare --net --mount --pid --fork --mount-proc sh scripts/demo.sh
set -eu
if [ "$(sed -n '3,$p' /proc/net/dev | grep -vc ' lo:')" != 0 ]; then
  echo "demo: run me inside a fresh network namespace (see the README)" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
nsrun() { node "$here/packages/cli/dist/main.js" "$@"; }

unshare --net sleep 60 &   # the "container": a process in a network namespace of its own
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 0.1

nsrun ip link set lo up
nsrun ip link add brg0 type bridge
nsrun ip addr add 10.10.10.1/24 dev brg0
nsrun ip link set brg0 up
nsrun ip link add veth0 type veth peer name veth1
nsrun ip link set veth0 master brg0 up
nsrun ip link set veth1 netns "$pid"
nsrun ip -n "$pid" link set lo up
nsrun ip -n "$pid" addr add 10.10.10.2/24 dev veth1
nsrun ip -n "$pid" link set veth1 up
nsrun ip -n "$pid" route add default via 10.10.10.1

echo "--- inside the container's namespace (pid $pid):"
nsrun ip -n "$pid" addr show
nsrun ip -n "$pid" route show
echo "--- host side:"
nsrun ip -j link show master brg0
if command -v ping >/dev/null; then
  echo "--- ping from the container to the bridge:"
  nsenter -t "$pid" -n ping -c 2 -W 2 10.10.10.1
fi
