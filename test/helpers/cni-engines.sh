#!/bin/bash
# Real engines calling nsrun's CNI plugin, offline, for test/cni-engines.test.js. Run inside the
# test's network namespace and a mount namespace of its own (unshare --mount): the bind mounts
# over /etc/cni/net.d and /opt/cni/bin, where ctr looks, end with it. Each engine's state lives
# under $T, the engine is started here and stopped before the script ends.
#   cni-engines.sh image T [REF CMD_JSON OUT]      busybox-static as an OCI image archive, T/image.tar
#                                                  (or T/OUT, named REF, running CMD_JSON)
#   cni-engines.sh containerd T BIN CONFLIST GW    ctr run --cni: address, ping of the gateway
#   cni-engines.sh podman T BIN CONFLIST NET GW    podman run -p: address, ping, the published port from here
set -euo pipefail
cmd=$1 T=$2
case $cmd in
image)
  REF=${3:-localhost/e2e/busybox:latest} CMD=${4:-'["/bin/sh"]'} OUT=${5:-image.tar}
  rm -rf "$T/rootfs" "$T/img"; mkdir -p "$T"/rootfs/bin "$T"/img/blobs/sha256
  cp /bin/busybox "$T/rootfs/bin/busybox"; chroot "$T/rootfs" /bin/busybox --install -s /bin
  mkdir -p "$T"/rootfs/{proc,sys,dev,etc,tmp,run,www}; echo hello-from-the-container > "$T/rootfs/www/index.html"
  B="$T/img/blobs/sha256"; TAR="tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner"
  $TAR -C "$T/rootfs" -cf "$T/layer.tar" .; L=$(sha256sum "$T/layer.tar"|cut -c1-64); LS=$(stat -c%s "$T/layer.tar"); mv "$T/layer.tar" "$B/$L"
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$(dpkg --print-architecture)" "$CMD" $L > "$T/c.json"
  C=$(sha256sum "$T/c.json"|cut -c1-64); CS=$(stat -c%s "$T/c.json"); mv "$T/c.json" "$B/$C"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' $C $CS $L $LS > "$T/m.json"
  M=$(sha256sum "$T/m.json"|cut -c1-64); MS=$(stat -c%s "$T/m.json"); mv "$T/m.json" "$B/$M"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' $M $MS "$REF" > "$T/img/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$T/img/oci-layout"; $TAR -C "$T/img" -cf "$T/image.tar" oci-layout index.json blobs
  [ "$OUT" = image.tar ] || mv "$T/image.tar" "$T/$OUT"
  rm -rf "$T/rootfs" "$T/img";;
containerd)
  BIN=$3 CONF=$4 GW=$5
  mount --make-rprivate /
  mkdir -p "$T"/{netd,cd,log,var-u,var-w}; cp "$CONF" "$T/netd/10-nsrun.conflist"
  mount --bind "$T/netd" /etc/cni/net.d
  mount -t tmpfs tmpfs /opt && mkdir -p /opt/cni/bin && mount --bind "$BIN" /opt/cni/bin
  mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$T/var-u,workdir=$T/var-w" /var/lib   # libcni's cache, /var/lib/cni
  cat > "$T/containerd.toml" <<TOML
version = 2
root = "$T/cd/root"
state = "$T/cd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/cd/opt"
TOML
  containerd --config "$T/containerd.toml" > "$T/log/containerd.log" 2>&1 & CPID=$!
  trap 'kill $CPID 2>/dev/null; wait $CPID 2>/dev/null || true' EXIT
  S=$T/containerd.sock
  for i in $(seq 100); do ctr -a "$S" version >/dev/null 2>&1 && break; sleep 0.1; done
  ctr -a "$S" image import "$T/image.tar" >/dev/null
  rc=0
  ctr -a "$S" run --cni --rm --cgroup "" localhost/e2e/busybox:latest c1 \
    sh -c "ip -4 -o addr show eth0; ip route; ping -c1 -W2 $GW >/dev/null && echo PING_OK" || rc=$?
  # (on a failed ADD ctr leaves the task and container behind)
  ctr -a "$S" task rm -f c1 >/dev/null 2>&1 || true; ctr -a "$S" container rm c1 >/dev/null 2>&1 || true
  echo "CTR_RC=$rc";;
podman)
  BIN=$3 CONF=$4 NET=$5 GW=$6
  mount --make-rprivate /
  mkdir -p "$T"/{pnetd,proot,prunroot,ptmp}; cp "$CONF" "$T/pnetd/10-nsrun.conflist"
  cat > "$T/containers.conf" <<TOML
[network]
network_backend = "cni"
cni_plugin_dirs = ["$BIN"]
network_config_dir = "$T/pnetd"
[engine]
events_logger = "file"
events_logfile_path = "$T/events.log"
cgroup_manager = "cgroupfs"
runtime = "runc"
tmp_dir = "$T/ptmp"
static_dir = "$T/proot/libpod"
volume_path = "$T/proot/volumes"
TOML
  export CONTAINERS_CONF="$T/containers.conf"
  P="podman --root $T/proot --runroot $T/prunroot --storage-driver vfs --cgroup-manager cgroupfs"
  trap '$P rm -f -a >/dev/null 2>&1 || true' EXIT
  $P pull -q oci-archive:"$T/image.tar" >/dev/null
  $P run -d --name web --network "$NET" -p 18080:80 --cap-add NET_RAW localhost/e2e/busybox:latest httpd -f -p 80 -h /www >/dev/null
  $P exec web sh -c "ip -4 -o addr show eth0; ping -c1 -W2 $GW >/dev/null && echo PING_OK"
  ok=
  # (bash's /dev/tcp: Debian's static busybox wget crashes outside its own root)
  for i in $(seq 50); do
    if out=$(timeout 3 bash -c "exec 3<>/dev/tcp/$GW/18080; printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3" 2>/dev/null) && [ -n "$out" ]; then ok=$(printf '%s' "$out" | tail -1); break; fi
    sleep 0.1
  done
  echo "PUBLISHED=$ok"
  $P rm -f -t 0 web >/dev/null
  echo "PODMAN_RC=0";;
esac
