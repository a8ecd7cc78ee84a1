#!/bin/bash
# containerd with its CRI plugin for test/cni-cri.test.js: run inside the test's network
# namespace and a mount namespace of its own (unshare --mount), it execs containerd in the
# foreground (the caller stops it by its pid). Root, state, sockets and the CNI directories are
# under $T; libcni's cache (/var/lib/cni, not configurable) goes to an overlay that ends with the
# mount namespace.
#   cni-cri.sh T BIN CONFLIST    sockets T/containerd.sock(.ttrpc), sandbox image localhost/e2e/pause:latest
set -euo pipefail
T=$1 BIN=$2 CONF=$3
mount --make-rprivate /
mkdir -p "$T"/{netd,cd,log,var-u,var-w}; cp "$CONF" "$T/netd/10-nsrun.conflist"
mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$T/var-u,workdir=$T/var-w" /var/lib
# restrict_oom_score_adj: the sandbox may not lower oom_score_adj below containerd's own.
cat > "$T/containerd.toml" <<TOML
version = 2
root = "$T/cd/root"
state = "$T/cd/state"
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/cd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/e2e/pause:latest"
  disable_apparmor = true
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$BIN"
    conf_dir = "$T/netd"
    max_conf_num = 1
TOML
exec containerd --config "$T/containerd.toml"
