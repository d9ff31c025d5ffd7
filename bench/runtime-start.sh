#!/usr/bin/env bash
# Container start cost: `flotilla-runtime run` vs `runc run` on the same busybox bundle running
# /bin/true, with `unshare --pid --mount --net --uts --ipc --fork` as the floor (namespaces, no
# runtime). Runs are interleaved (one of each per round) so load on the shared machine hits all alike.
# Usage: bench/runtime-start.sh [ROUNDS]   (root; default 60 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-60}

if [[ $EUID -ne 0 ]]; then echo "runtime-start: needs root" >&2; exit 1; fi
runtime=${FLOTILLA_RUNTIME:-artifacts/bin/Runtime/flotilla-runtime}
if [[ ! -x $runtime ]]; then
  echo "runtime-start: publishing flotilla-runtime"
  dotnet publish src/Runtime/Runtime.csproj -c Release -o artifacts/bin/Runtime -nologo -v:q >/dev/null
fi
runtime=$(realpath "$runtime")
command -v runc >/dev/null || { echo "runtime-start: runc is missing (apt-get install runc)" >&2; exit 1; }
[[ -x /bin/busybox ]] || { echo "runtime-start: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d /tmp/flotilla-bench-XXXXXX)
cgroup=/flotilla-bench/start-$$
cleanup() {
  for d in /sys/fs/cgroup/*/flotilla-bench; do rmdir "$d"/start-$$ "$d" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The bundle: a busybox root filesystem and a Docker-like config (the same file for both runtimes).
bundle=$work/bundle
mkdir -p "$bundle/rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [[ $applet == bin/busybox ]] || ln -sf /bin/busybox "$bundle/rootfs/$applet"
done
(cd "$bundle" && runc spec)
jq --arg cg "$cgroup" '
  .process.terminal = false | .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg
  | .process.capabilities = (["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
      "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL",
      "CAP_AUDIT_WRITE"] as $c | {bounding: $c, effective: $c, permitted: $c})' \
  "$bundle/config.json" > "$bundle/config.tmp" && mv "$bundle/config.tmp" "$bundle/config.json"

# One run each first: both work on this bundle, or the benchmark means nothing.
"$runtime" --root "$work/flotilla-state" run --bundle "$bundle" warm-f
runc --root "$work/runc-state" run --bundle "$bundle" warm-r

# Timed with bash's $EPOCHREALTIME (read without a fork): `$(date +%s%N)` around the command would add
# the start of one `date` process (~1 ms here) to every figure alike and bias the ratio toward 1.
ms() { # command... → elapsed microseconds (fails the script if the command fails)
  local start end
  start=${EPOCHREALTIME/./}
  "$@" >/dev/null
  end=${EPOCHREALTIME/./}
  echo $(( end - start ))
}
: > "$work/flotilla.txt"; : > "$work/runc.txt"; : > "$work/floor.txt"
for ((i = 0; i < rounds; i++)); do
  ms "$runtime" --root "$work/flotilla-state" run --bundle "$bundle" "f$i" >> "$work/flotilla.txt"
  ms runc --root "$work/runc-state" run --bundle "$bundle" "r$i" >> "$work/runc.txt"
  ms unshare --pid --mount --net --uts --ipc --fork /bin/true >> "$work/floor.txt"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m / 1000 }'; }
flotilla=$(median "$work/flotilla.txt")
runc=$(median "$work/runc.txt")
floor=$(median "$work/floor.txt")
echo "runtime-start: $rounds interleaved rounds of run /bin/true (busybox bundle, Docker-like config)"
echo "RESULT runtime_run_ms=$flotilla"
echo "RESULT runc_run_ms=$runc"
echo "RESULT floor_ms=$floor"
echo "RESULT ratio_vs_runc=$(awk -v a="$flotilla" -v b="$runc" 'BEGIN { printf "%.3f", a / b }')"
