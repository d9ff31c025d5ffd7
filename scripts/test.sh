#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, runs every test project
# (Unit, Integration, EndToEnd) and ends with "N passed, N failed, N skipped".
# Usage: scripts/test.sh [--filter EXPR]   e.g. --filter Category=Unit
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $EUID -ne 0 ]]; then
  echo "test: the Integration and EndToEnd tests use namespaces, cgroups and mounts: run as root" >&2
  exit 1
fi

scripts/install-deps.sh
scripts/start-docker.sh

export DOCKER_API_VERSION=1.41 TESTCONTAINERS_RYUK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "test: building"
dotnet build Cluster.sln -c Release -warnaserror -nologo -v:q
echo "test: publishing flotilla-runtime (NativeAOT) to artifacts/bin/Runtime"
dotnet publish src/Runtime/Runtime.csproj -c Release -o artifacts/bin/Runtime -nologo -v:q

log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$(date +%s)
echo "test: running tests"
set +e
dotnet test Cluster.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Each test assembly closes with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T ...".
read -r passed failed skipped < <(
  grep -E '^(Passed|Failed)! +- +Failed:' "$log" | tr -d ' ' | awk -F'[:,]' '
    { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
if ((status != 0 && failed == 0)); then failed=1; fi  # a crashed host or a broken run is a failure
echo "test: took $(( $(date +%s) - started ))s"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
