#!/usr/bin/env bash
# Pull benchmark: the same multi-layer image from a local registry (Debian's docker-registry on a
# loopback port), pulled cold by Flotilla's image store and by `docker pull`, alternating, N runs each.
#
# Cold means: Flotilla pulls into a fresh state directory; docker's copy of the image is removed
# (`docker rmi`) before each of its pulls. Both unpack the layers (docker into overlay2, Flotilla into
# its layer store); the registry's files are in the page cache for both alike.
#
# What is timed: for docker, the `docker pull` command; for Flotilla, the IImageStore.PullAsync call
# inside a small driver process, after the driver has pulled a small other image to warm its JIT (the
# `flotilla pull` CLI talks to a long-running agent daemon, as `docker pull` talks to a warm dockerd).
#
# Usage: bench/pull.sh [RUNS]   (default 5). Prints RESULT lines; ratio_vs_docker = median ratio (≤ 1.0 is the target).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/registry.sh
source bench/lib/layered-image.sh
repo=$(pwd)
runs=${1:-5}
export DOCKER_API_VERSION=1.41 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/flotilla-bench-pull.XXXXXX)
registry_pid=""
tag="bench-$(basename "$work" | tr -dc 'a-z0-9' | tail -c 8)"
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  docker rmi -f "${image:-none}" "${warm:-none}" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "bench: starting docker-registry" >&2
start_registry "$work" bench
image="$address/flotilla-bench/pull:$tag"

echo "bench: building a 6-layer image (busybox-static + 5 layers of mixed files, ~100 MiB unpacked)" >&2
layered_image_context "$work/ctx"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work/ctx" >/dev/null
docker push -q "$image" >/dev/null
docker rmi -f "$image" >/dev/null
# A small separate image the driver pulls first, untimed: the agent is a long-running daemon whose code is
# JIT-compiled and warm, as dockerd's is; a fresh driver process would otherwise time the JIT as well.
warm="$address/flotilla-bench/warm:$tag"
mkdir -p "$work/warm"
echo warm >"$work/warm/warm.txt"
printf 'FROM scratch\nCOPY warm.txt /warm.txt\n' >"$work/warm/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$warm" "$work/warm" >/dev/null
docker push -q "$warm" >/dev/null
docker rmi -f "$warm" >/dev/null

echo "bench: building the Flotilla pull driver" >&2
mkdir -p "$work/driver"
cat >"$work/driver/pull.cs" <<EOF
#:sdk Microsoft.NET.Sdk.Web
#:project $repo/src/NodeAgent/NodeAgent.csproj
#:property PublishAot=false
using System.Diagnostics;
using Flotilla.NodeAgent.Images;
using Microsoft.Extensions.DependencyInjection;

var state = args[1];
await using (var warmServices = new ServiceCollection().AddLogging().AddImages(o => o.StateDirectory = state + "-warm").BuildServiceProvider())
{
    await warmServices.GetRequiredService<IImageStore>().PullAsync(args[2], null, CancellationToken.None);
}

Directory.Delete(state + "-warm", recursive: true);
await using var services = new ServiceCollection().AddLogging().AddImages(o => o.StateDirectory = state).BuildServiceProvider();
var store = services.GetRequiredService<IImageStore>();
var started = Stopwatch.GetTimestamp();
var image = await store.PullAsync(args[0], null, CancellationToken.None);
var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
Console.WriteLine(\$"{seconds:F3} {image.Id} {image.Size}");
EOF
dotnet build "$work/driver/pull.cs" -c Release -v:q -nologo >"$work/driver-build.log" 2>&1 || { cat "$work/driver-build.log" >&2; exit 1; }
driver() { dotnet run --no-build -c Release "$work/driver/pull.cs" -- "$@"; }
# One untimed pull each to warm the registry's page cache and both code paths.
driver "$image" "$work/state-warm" "$warm" >/dev/null
rm -rf "$work/state-warm"
docker pull -q "$image" >/dev/null && docker rmi -f "$image" >/dev/null

flotilla_times=()
docker_times=()
for run in $(seq 1 "$runs"); do
  state="$work/state-$run"
  read -r seconds id size < <(driver "$image" "$state" "$warm")
  rm -rf "$state"
  flotilla_times+=("$seconds")

  start=$(date +%s.%N)
  docker pull -q "$image" >/dev/null
  end=$(date +%s.%N)
  docker_id=$(docker image inspect --format '{{.Id}}' "$image")
  docker rmi -f "$image" >/dev/null
  docker_times+=("$(echo "$end - $start" | bc -l)")
  [[ "$docker_id" == "$id" ]] || { echo "bench: image ids differ: flotilla $id, docker $docker_id" >&2; exit 1; }
  echo "bench: run $run: flotilla ${seconds}s docker ${docker_times[-1]}s (image $id, $size bytes unpacked)" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
flotilla_median=$(median "${flotilla_times[@]}")
docker_median=$(median "${docker_times[@]}")
echo "RESULT flotilla_pull_median_seconds=$flotilla_median"
echo "RESULT docker_pull_median_seconds=$docker_median"
echo "RESULT ratio_vs_docker=$(echo "scale=3; $flotilla_median / $docker_median" | bc -l | sed 's/^\./0./')"
