#!/bin/bash
# The baseline `nsrun run` is timed against (scripts/bench/runner.js): the classic tutorial's
# container network done by hand with unshare and ip. A bridge brg0 10.10.10.1/24 (made once),
# a veth pair, the host end on the bridge and up, the other end moved into the container's
# network namespace by pid; inside: lo up, the end renamed eth0, its address, up, a default
# route via the bridge; then the command, held until now on a fifo, is released.
# The container gets the namespaces nsrun gives it: net, pid (with a fresh /proc), mount, uts, ipc.
# Usage: tutorial-flow.sh CMD [ARG...]   (FLOW_ADDR: the container's address, default 10.10.10.2)
# Needs root, and a throwaway network namespace with a private /run (where the fifo is made) to
# run in: it creates links in the namespace it runs in.
set -e
addr=${FLOW_ADDR:-10.10.10.2}
ip link show brg0 >/dev/null 2>&1 || {
  ip link add brg0 type bridge
  ip addr add 10.10.10.1/24 dev brg0
  ip link set brg0 up
}
id=$$
fifo=/run/flow.$id
mkfifo "$fifo"
trap 'rm -f "$fifo"' EXIT
unshare --net --pid --fork --mount-proc --uts --ipc --mount sh -c 'read _ < "$0"; exec "$@"' "$fifo" "$@" &
upid=$!
# unshare switches its own network namespace before it forks the container: wait for that
# (a move into the namespace before then would land in this one).
while [ /proc/$upid/ns/net -ef /proc/self/ns/net ]; do :; done
ip link add h$id type veth peer name c$id
ip link set h$id master brg0
ip link set h$id up
ip link set c$id netns $upid
nsenter -t $upid -n sh -c "ip link set lo up; ip link set c$id name eth0; ip addr add $addr/24 dev eth0; ip link set eth0 up; ip route add default via 10.10.10.1"
echo go >"$fifo"
rc=0
wait $upid || rc=$?
exit $rc
