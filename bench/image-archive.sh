#!/usr/bin/env bash
# docker load / docker save benchmark: the same 6-layer image archive (~55 MB) loaded into and saved from
# Flotilla's agent and the real dockerd, both driven by the same docker CLI, alternating, N runs each.
#
# Load is cold for both: the image (and so its layers) is removed from the daemon before each load. Both
# verify and unpack every layer (dockerd into overlay2, the agent into its layer store). Save writes the
# image's tar to a file on the same disk; the agent's archive also carries the OCI index, as docker 25+ does.
#
# Usage: bench/image-archive.sh [RUNS]   (default 5). Prints RESULT lines: medians in seconds and
# load_ratio_vs_docker / save_ratio_vs_docker = median of the per-run ratios (≤ 1.0 is the target).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/agent.sh
source bench/lib/layered-image.sh
runs=${1:-5}
export DOCKER_API_VERSION=1.41 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
runtime=$(command -v runc)

work=$(mktemp -d /tmp/flotilla-bench-archive.XXXXXX)
suffix=$(basename "$work" | tr -dc 'a-z0-9' | tail -c 6)
node="bench-$suffix"
netns="fltba-$suffix"
agent_pid=""
socket="$work/agent.sock"
image="flotilla-bench/archive:$suffix"
fl() { docker -H "unix://$socket" "$@"; }
cleanup() {
  if [[ -n "$agent_pid" ]] && kill -0 "$agent_pid" 2>/dev/null; then
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
  fi
  docker rmi -f "$image" >/dev/null 2>&1 || true
  ip netns del "$netns" 2>/dev/null || true
  for d in /sys/fs/cgroup/*/flotilla/"$node" /sys/fs/cgroup/unified/flotilla/"$node"; do
    [[ -d $d ]] && { rmdir "$d" 2>/dev/null || true; }
  done
  rm -rf "$work" "/run/flotilla-$node"
}
trap cleanup EXIT

echo "image-archive: building the agent (Release)" >&2
dotnet publish src/NodeAgent/NodeAgent.csproj -c Release -o artifacts/bin/NodeAgent -nologo -v:q >/dev/null

echo "image-archive: building a 6-layer image (busybox-static + 5 layers of random and text files, ~55 MB)" >&2
layered_image_context "$work/ctx"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work/ctx" >/dev/null
rm -rf "$work/ctx"
docker save -o "$work/archive.tar" "$image"

echo "image-archive: starting the agent" >&2
start_netns_agent image-archive 10.214.0.0/24
# One untimed load and save each, so both daemons start the timed runs warm (page cache, first-use paths).
fl load -q -i "$work/archive.tar" >/dev/null
fl save -o "$work/warm.tar" "$image"
rm -f "$work/warm.tar"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc -l; }
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%.3f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -a fl_load dk_load fl_save dk_save load_ratio save_ratio
for run in $(seq 1 "$runs"); do
  fl rmi -f "$image" >/dev/null
  docker rmi -f "$image" >/dev/null
  a=$(seconds fl load -q -i "$work/archive.tar")
  b=$(seconds docker load -q -i "$work/archive.tar")
  c=$(seconds fl save -o "$work/fl.tar" "$image")
  d=$(seconds docker save -o "$work/docker.tar" "$image")
  rm -f "$work/fl.tar" "$work/docker.tar"
  fl_load+=("$a") dk_load+=("$b") fl_save+=("$c") dk_save+=("$d")
  load_ratio+=("$(echo "$a / $b" | bc -l)") save_ratio+=("$(echo "$c / $d" | bc -l)")
  echo "image-archive: run $run: load flotilla ${a}s docker ${b}s; save flotilla ${c}s docker ${d}s" >&2
done

echo "RESULT archive_bytes=$(stat -c %s "$work/archive.tar")"
echo "RESULT flotilla_load_median_s=$(printf '%s\n' "${fl_load[@]}" | median)"
echo "RESULT docker_load_median_s=$(printf '%s\n' "${dk_load[@]}" | median)"
echo "RESULT load_ratio_vs_docker=$(printf '%s\n' "${load_ratio[@]}" | median)"
echo "RESULT flotilla_save_median_s=$(printf '%s\n' "${fl_save[@]}" | median)"
echo "RESULT docker_save_median_s=$(printf '%s\n' "${dk_save[@]}" | median)"
echo "RESULT save_ratio_vs_docker=$(printf '%s\n' "${save_ratio[@]}" | median)"
