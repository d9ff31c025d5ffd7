#!/usr/bin/env bash
# Agent memory: the idle agent's resident set, and how much it grows per running container (50 containers of
# `sleep`), next to the same figure for Docker (dockerd + containerd + one containerd-shim per container).
#
# The agent is the Release publish (a NativeAOT executable, as scripts/up.sh and scripts/fleet.sh run it), with
# its own state directory, socket, runtime root and cgroup parent; its bridge lives in a network namespace this script makes (nothing changes in the root
# namespace). The image (busybox-static, FROM scratch) is pulled by both engines from a local docker-registry.
# RSS is VmRSS from /proc, the median of 5 samples taken 1 s apart after the engine settled.
#
# Usage: bench/agent-memory.sh [CONTAINERS]   (root; default 50). Prints RESULT lines; targets: idle ≤ 80 MB,
# per container ≤ 1024 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/agent.sh
source bench/lib/registry.sh
repo=$(pwd)
count=${1:-50}
export DOCKER_API_VERSION=1.41 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[[ $EUID -eq 0 ]] || { echo "agent-memory: needs root" >&2; exit 1; }

runtime=${FLOTILLA_RUNTIME:-artifacts/bin/Runtime/flotilla-runtime}
if [[ ! -x $runtime ]]; then
  echo "agent-memory: publishing flotilla-runtime" >&2
  dotnet publish src/Runtime/Runtime.csproj -c Release -o artifacts/bin/Runtime -nologo -v:q >/dev/null
fi
runtime=$(realpath "$runtime")

work=$(mktemp -d /tmp/flotilla-bench-memory.XXXXXX)
suffix=$(basename "$work" | tr -dc 'a-z0-9' | tail -c 6)
node="bench-$suffix"
netns="fltbm-$suffix"
registry_pid="" agent_pid=""
socket="$work/agent.sock"
fl() { docker -H "unix://$socket" "$@"; }
cleanup() {
  if [[ -n "$agent_pid" ]] && kill -0 "$agent_pid" 2>/dev/null; then
    fl ps -aq 2>/dev/null | xargs -r docker -H "unix://$socket" rm -f >/dev/null 2>&1 || true
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
  fi
  docker ps -aq --filter "label=flotilla-bench=$suffix" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker rmi -f "${image:-none}" >/dev/null 2>&1 || true
  [[ -n "$registry_pid" ]] && { kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null || true; }
  ip netns del "$netns" 2>/dev/null || true
  for d in /sys/fs/cgroup/*/flotilla/"$node" /sys/fs/cgroup/unified/flotilla/"$node"; do
    [[ -d $d ]] && { rmdir "$d"/* 2>/dev/null || true; rmdir "$d" 2>/dev/null || true; }
  done
  grep -o " $work/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work" "/run/flotilla-$node"
}
trap cleanup EXIT

echo "agent-memory: publishing the agent (Release, NativeAOT) to artifacts/bin/NodeAgent" >&2
dotnet publish src/NodeAgent/NodeAgent.csproj -c Release -o artifacts/bin/NodeAgent -nologo -v:q >/dev/null

echo "agent-memory: starting docker-registry and pushing a busybox image" >&2
mkdir -p "$work/ctx"
start_registry "$work" agent-memory
image="$address/flotilla-bench/memory:$suffix"
cp /bin/busybox "$work/ctx/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "sleep", "3600"]\n' >"$work/ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work/ctx" >/dev/null
docker push -q "$image" >/dev/null

rss_kb() { # pid... → summed VmRSS in KB
  local total=0 pid kb
  for pid in "$@"; do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
median_rss() { # command printing pids → median over 5 samples of their summed RSS
  local samples=()
  for _ in 1 2 3 4 5; do samples+=("$(rss_kb $("$@"))"); sleep 1; done
  printf '%s\n' "${samples[@]}" | sort -n | sed -n 3p
}

echo "agent-memory: starting the agent" >&2
start_netns_agent agent-memory 10.213.0.0/24
fl pull -q "$image" >/dev/null
fl run --rm "$image" /bin/busybox true >/dev/null # one container through every code path, as any agent has after its first minutes
sleep 3
agent_pids() { echo "$agent_pid"; }
idle=$(median_rss agent_pids)

echo "agent-memory: running $count containers on the agent" >&2
for i in $(seq 1 "$count"); do fl run -d --name "m$i" "$image" >/dev/null; done
[[ $(fl ps -q | wc -l) -eq $count ]] || { echo "agent-memory: not all $count containers run" >&2; fl ps -a >&2; exit 1; }
sleep 3
loaded=$(median_rss agent_pids)
fl ps -aq | xargs -r docker -H "unix://$socket" rm -f >/dev/null

echo "agent-memory: the same on docker" >&2
docker_pids() { pgrep -x dockerd; pgrep -x containerd; pgrep -f containerd-shim || true; }
docker pull -q "$image" >/dev/null
docker_idle=$(median_rss docker_pids)
for i in $(seq 1 "$count"); do docker run -d --network none --label "flotilla-bench=$suffix" "$image" >/dev/null; done
sleep 3
docker_loaded=$(median_rss docker_pids)

echo "agent-memory: agent idle ${idle} KB, with $count containers ${loaded} KB; docker idle ${docker_idle} KB, with $count ${docker_loaded} KB" >&2
echo "RESULT agent_idle_rss_mb=$(echo "scale=1; $idle / 1024" | bc -l)"
echo "RESULT rss_per_container_kb=$(( (loaded - idle) / count ))"
echo "RESULT docker_rss_per_container_kb=$(( (docker_loaded - docker_idle) / count ))"
