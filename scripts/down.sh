#!/usr/bin/env bash
# Stops what scripts/up.sh started and removes what its node agent left in the kernel: the
# containers (processes, cgroups, overlay mounts, network namespaces), the bridge, its rules and its eBPF pins.
# Images, volumes and the control plane's data stay in /var/lib/flotilla for the next up.sh.
# Idempotent, and safe after a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
run=/run/flotilla/up
runtime_root=/run/flotilla/runtime
bridge=flotilla0
node=$(uname -n) # the agent's default node id: it names the agent's cgroups and network namespaces

stop() { # name
  local pidfile="$run/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "down: stopped $1"
  fi
  rm -f "$pidfile"
}

# The gateway and the control plane first, so nothing tells the agent to start containers again.
for name in gateway controlplane nodeagent registry; do stop "$name"; done

# An agent keeps its containers running when it stops (that is how it re-adopts them): remove them
# through the runtime that created them.
runtime=artifacts/bin/Runtime/flotilla-runtime
[[ -x $runtime ]] || runtime=runc
if [[ -d $runtime_root ]]; then
  for dir in "$runtime_root"/*/; do
    [[ -d $dir ]] || continue
    id=$(basename "$dir")
    "$runtime" --root "$runtime_root" delete --force "$id" >/dev/null 2>&1 \
      || runc --root "$runtime_root" delete --force "$id" >/dev/null 2>&1 || true
    echo "down: removed container ${id:0:12}"
  done
fi

# Mounts the agent made: container root file systems (overlay) and network namespaces.
grep -E " (/var/lib/flotilla|/run/flotilla/netns/$node)/" /proc/self/mounts | awk '{print $2}' | sort -r | while read -r target; do
  umount -l "$(printf '%b' "$target")" 2>/dev/null || true
done

# The agent's container cgroups, flotilla/<node>/<container> (deepest first), in every hierarchy.
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [[ -d "${hierarchy}flotilla/$node" ]] || continue
  find "${hierarchy}flotilla/$node" -depth -type d -exec rmdir {} + 2>/dev/null || true
done

# The bridge, its nftables table and the iptables FORWARD accepts added when the policy is DROP.
if ip link show "$bridge" >/dev/null 2>&1; then
  ip link delete "$bridge" && echo "down: removed bridge $bridge"
fi
nft delete table ip "flotilla_$bridge" 2>/dev/null && echo "down: removed nftables table flotilla_$bridge" || true
for direction in -i -o; do
  while iptables -w -D FORWARD "$direction" "$bridge" -m comment --comment "flotilla $bridge" -j ACCEPT 2>/dev/null; do :; done
done
# The eBPF fast path of published ports (Networking:FastPath): unpinning its tcx links detaches them, and the
# maps go with the programs.
if [[ -d /sys/fs/bpf/flotilla/$node ]]; then
  rm -rf "/sys/fs/bpf/flotilla/$node" && echo "down: removed the eBPF fast path pinned in /sys/fs/bpf/flotilla/$node"
fi
# The br_netfilter sysctls the agent turned off while its bridge carried containers (Networking:BridgeNetfilterOff):
# put back the values it found, and forget them so no later agent writes them again.
network_state=/var/lib/flotilla/network/$bridge.json
if [[ -f $network_state ]] && jq -e '.BridgeNetfilterRestore' "$network_state" >/dev/null 2>&1; then
  jq -r '.BridgeNetfilterRestore | to_entries[] | "\(.key)=\(.value)"' "$network_state" | while read -r setting; do
    sysctl -q -w "$setting" && echo "down: restored $setting"
  done
  jq 'del(.BridgeNetfilterRestore)' "$network_state" >"$network_state.tmp" && mv "$network_state.tmp" "$network_state"
fi
echo "down: done (images, volumes and control-plane data stay in /var/lib/flotilla)"
