#!/usr/bin/env bash
# Route convergence end to end, with real processes: a control plane, two node agents (runc) in netns
# hosts and the gateway. A workload exposed on /x is scaled 1 -> 3 -> 1 CYCLES times; for every replica
# that becomes Running+Healthy (or goes away) in the control plane's API, the time until the gateway's
# /routes serves it (or stops), both polled side by side every ~10 ms (so figures carry ~10-30 ms of
# polling resolution). Runs tests/EndToEnd.Tests' RouteConvergenceTests, which writes the RESULT lines.
# Usage: sudo bench/route-convergence.sh   (env: CYCLES=10, CONFIGURATION=Release)
set -euo pipefail
cd "$(dirname "$0")/.."

CYCLES=${CYCLES:-10}
CONFIGURATION=${CONFIGURATION:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOCKER_API_VERSION=1.41 TESTCONTAINERS_RYUK_DISABLED=true

[[ $(id -u) == 0 ]] || { echo "bench: needs root (netns hosts, container runtime)" >&2; exit 1; }
for tool in dotnet runc docker-registry; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/flotilla-bench-convergence.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "bench: building the control plane, agent and gateway ($CONFIGURATION)" >&2
dotnet build tests/EndToEnd.Tests/EndToEnd.Tests.csproj -c "$CONFIGURATION" -nologo -v:q >&2

echo "bench: $CYCLES scale cycles (1 -> 3 -> 1), $((CYCLES * 4)) samples" >&2
FLOTILLA_ROUTE_CONVERGENCE_RESULTS="$work/results.txt" FLOTILLA_ROUTE_CONVERGENCE_CYCLES="$CYCLES" \
  dotnet test tests/EndToEnd.Tests/EndToEnd.Tests.csproj -c "$CONFIGURATION" --no-build \
  --filter "FullyQualifiedName~Flotilla.EndToEnd.Tests.Gateway.RouteConvergenceTests" -nologo >"$work/test.log" 2>&1 \
  || { tail -80 "$work/test.log" >&2; exit 1; }
cat "$work/results.txt"
