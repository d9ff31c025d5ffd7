#!/usr/bin/env bash
# Container run, end to end: `flotilla run --rm IMAGE true` (NativeAOT CLI → the agent's socket → the agent
# creates, starts and removes the container with flotilla-runtime) against `docker run --rm IMAGE true`
# on Debian's docker engine, the same busybox image in both (pushed to a local registry by docker, pulled
# from it by the agent). Rounds are interleaved (one of each per round), so load on the shared machine
# hits both alike.
#
# Each side runs with its default network: a bridge with a veth per container on both (the agent's own
# bridge, docker's docker0). `docker run --network host` and `flotilla run --network bridge` (explicitly)
# are measured too, as extra RESULT lines.
#
# Where the time goes: `flotilla --version` (process start, no API call), `flotilla version` (start +
# one API round trip), FLOTILLA_TRACE=1 stage times of `flotilla run` (create, attach+wait, start,
# exit+remove; and exit alone for a run without --rm), `flotilla rm` of an exited container, and
# /bin/true timed the same way (the measuring floor), all medians.
#
# Usage: bench/container-run.sh [ROUNDS]   (root; default 30). Prints RESULT lines.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/registry.sh
rounds=${1:-30}
export DOCKER_API_VERSION=1.41 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ $EUID -ne 0 ]]; then echo "container-run: needs root" >&2; exit 1; fi
for tool in docker /usr/bin/docker-registry bc; do
  command -v "$tool" >/dev/null || { echo "container-run: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

out=artifacts/bin
publish() { # project, output dir, file that must exist afterwards
  if [[ ! -x "$3" || -n "${FLOTILLA_BENCH_REBUILD:-}" ]]; then
    echo "container-run: publishing $1 to $2" >&2
    dotnet publish "src/$1/$1.csproj" -c Release -o "$2" -nologo -v:q >/dev/null
  fi
}
publish Runtime "$out/Runtime" "$out/Runtime/flotilla-runtime"
publish Cli "$out/Cli" "$out/Cli/flotilla"
# Always (incremental when nothing changed): an older publish of the agent may be a JIT one.
dotnet publish src/NodeAgent/NodeAgent.csproj -c Release -o "$out/NodeAgent" -nologo -v:q >/dev/null
runtime=$(realpath "$out/Runtime/flotilla-runtime")
flotilla=$(realpath "$out/Cli/flotilla")
scripts/start-docker.sh >&2

work=$(mktemp -d /tmp/flotilla-bench-run.XXXXXX)
suffix=$(basename "$work" | tr -dc 'a-z0-9' | tail -c 6)
registry_pid="" agent_pid=""
cleanup() {
  if [[ -n "$agent_pid" ]]; then
    FLOTILLA_HOST="unix://$work/agent.sock" "$flotilla" ps -aq 2>/dev/null | while read -r id; do
      FLOTILLA_HOST="unix://$work/agent.sock" "$flotilla" rm -f "$id" >/dev/null 2>&1 || true
    done
    kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  fi
  # The agent's bridge and its nftables table outlive it by design (containers keep running); this run's go.
  ip link del "fltb$suffix" 2>/dev/null || true
  nft delete table ip "flotilla_fltb$suffix" 2>/dev/null || true
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  docker rmi -f "${image:-none}" >/dev/null 2>&1 || true
  for d in /sys/fs/cgroup/*/flotilla/"bench-$suffix"; do [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -rf "/run/flotilla-bench-$suffix"
  rm -rf "$work"
}
trap cleanup EXIT

echo "container-run: starting docker-registry" >&2
start_registry "$work" container-run
image="$address/flotilla-bench/busybox:$suffix"

echo "container-run: building a busybox image (Debian's busybox-static, one layer)" >&2
rootfs="$work/ctx/rootfs"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [[ $applet == bin/busybox ]] || ln -sf /bin/busybox "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"
tar -C "$rootfs" -cf "$work/ctx/rootfs.tar" .
rm -rf "$rootfs"
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["sh"]\n' >"$work/ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work/ctx" >/dev/null 2>&1
docker push -q "$image" >/dev/null

echo "container-run: starting the agent (runtime $runtime)" >&2
"$out/NodeAgent/Flotilla.NodeAgent" \
  --Agent:StateDirectory="$work/state" --Agent:SocketPath="$work/agent.sock" --Agent:HttpPort=0 \
  --Agent:NodeId="bench-$suffix" --Runtime:Path="$runtime" --Runtime:Root="/run/flotilla-bench-$suffix" \
  --Networking:BridgeName="fltb$suffix" --Networking:Subnet="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0/24" \
  --Networking:HostPortRangeStart=41000 --Networking:HostPortRangeEnd=41999 \
  --Logging:LogLevel:Default=Warning >"$work/agent.log" 2>&1 &
agent_pid=$!
export FLOTILLA_HOST="unix://$work/agent.sock"
for _ in $(seq 1 100); do "$flotilla" version >/dev/null 2>&1 && break; sleep 0.1; done
"$flotilla" version >/dev/null || { echo "container-run: the agent did not start" >&2; cat "$work/agent.log" >&2; exit 1; }
"$flotilla" pull -q "$image" >/dev/null

# Both work on this image, and the warm-up runs JIT the agent's paths as a long-running daemon's are.
for _ in 1 2 3; do
  "$flotilla" run --rm "$image" true
  docker run --rm "$image" true
done
bridge=yes
"$flotilla" run --rm --network bridge "$image" true 2>"$work/bridge.err" || { bridge=""; echo "container-run: flotilla --network bridge failed ($(head -c 300 "$work/bridge.err")); skipping that pair" >&2; }

ms() { # command... → elapsed microseconds (fails the script if the command fails)
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}
for f in flotilla docker docker_host flotilla_bridge cli_start cli_api rm floor; do : >"$work/$f.txt"; done
: >"$work/trace.txt"
echo "container-run: $rounds interleaved rounds" >&2
for ((i = 0; i < rounds; i++)); do
  ms "$flotilla" run --rm "$image" true >>"$work/flotilla.txt"
  ms docker run --rm "$image" true >>"$work/docker.txt"
  ms docker run --rm --network host "$image" true >>"$work/docker_host.txt"
  [[ -n $bridge ]] && ms "$flotilla" run --rm --network bridge "$image" true >>"$work/flotilla_bridge.txt"
  ms "$flotilla" --version >>"$work/cli_start.txt"
  ms "$flotilla" version >>"$work/cli_api.txt"
  FLOTILLA_TRACE=1 "$flotilla" run --rm "$image" true 2>>"$work/trace.txt"
  # The same without --rm, then rm on its own: splits exit+remove into the exit and the removal.
  FLOTILLA_TRACE=1 "$flotilla" run --name "kept-$i" "$image" true 2>>"$work/trace.txt"
  ms "$flotilla" rm "kept-$i" >>"$work/rm.txt"
  ms /bin/true >>"$work/floor.txt"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m / 1000 }'; }
stage() { # median of one FLOTILLA_TRACE stage, in ms
  awk -v s="$1" '$1 == "trace:" && $2 == s { sub("ms", "", $3); print $3 * 1000 }' "$work/trace.txt" >"$work/stage.txt"
  median "$work/stage.txt"
}
flotilla_ms=$(median "$work/flotilla.txt")
docker_ms=$(median "$work/docker.txt")
echo "container-run: $rounds interleaved rounds of run --rm $image true (medians)"
echo "RESULT flotilla_run_ms=$flotilla_ms"
echo "RESULT docker_run_ms=$docker_ms"
echo "RESULT ratio_vs_docker=$(awk -v a="$flotilla_ms" -v b="$docker_ms" 'BEGIN { printf "%.3f", a / b }')"
echo "RESULT docker_run_host_network_ms=$(median "$work/docker_host.txt")"
[[ -n $bridge ]] && echo "RESULT flotilla_run_bridge_network_ms=$(median "$work/flotilla_bridge.txt")"
echo "RESULT cli_start_ms=$(median "$work/cli_start.txt")"
echo "RESULT cli_start_plus_api_call_ms=$(median "$work/cli_api.txt")"
for s in create attach+wait start exit+remove exit; do
  echo "RESULT run_stage_${s//+/_}_ms=$(stage "$s")"
done
echo "RESULT flotilla_rm_ms=$(median "$work/rm.txt")"
echo "RESULT floor_fork_exec_ms=$(median "$work/floor.txt")"
