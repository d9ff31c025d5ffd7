#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, runs every test project
# (Unit, Integration, EndToEnd) and ends with "N passed, N failed, N skipped".
# Usage: scripts/test.sh [--filter EXPR]   e.g. --filter Category=Unit
# A crashed or hung test host, a broken build, or a run that executed no test is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $EUID -ne 0 ]]; then
  echo "test: the Integration and EndToEnd tests use namespaces, cgroups and mounts: run as root" >&2
  exit 1
fi

started=$(date +%s)
scripts/install-deps.sh
scripts/start-docker.sh

export DOCKER_API_VERSION=1.41 TESTCONTAINERS_RYUK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "test: building"
dotnet build Cluster.sln -c Release -warnaserror -nologo -v:q
echo "test: publishing flotilla-runtime (NativeAOT) to artifacts/bin/Runtime"
dotnet publish src/Runtime/Runtime.csproj -c Release -o artifacts/bin/Runtime -nologo -v:q
echo "test: publishing flotilla (NativeAOT) to artifacts/bin/Cli; tests/Cli.Tests runs that binary"
dotnet publish src/Cli/Cli.csproj -c Release -o artifacts/bin/Cli -nologo -v:q
export FLOTILLA_CLI="$PWD/artifacts/bin/Cli/flotilla"
# The services as scripts/up.sh and scripts/fleet.sh run them (the agent is NativeAOT: about two minutes to
# compile), published now so the tests that run those scripts do not compile them under the tests' load.
for p in NodeAgent ControlPlane Gateway; do
  echo "test: publishing $p to artifacts/bin/$p"
  dotnet publish "src/$p/$p.csproj" -c Release -o "artifacts/bin/$p" -nologo -v:q
done

log=$(mktemp)
trap 'rm -f "$log" "$log.uncategorized"' EXIT
built=$(date +%s)
echo "test: running tests"
set +e
# timeout signals the whole process group, test hosts included, so a hung test cannot eat CI's time.
if (($# == 0)); then
  # Tests marked Isolation=Machine use the machine's well-known ports and state (the README's own
  # commands): they run after everything else, alone.
  timeout --kill-after=30s "${FLOTILLA_TEST_TIMEOUT:-40m}" \
    dotnet test Cluster.sln -c Release --no-build --nologo --filter 'Isolation!=Machine' 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  echo "test: running the tests that need the machine to themselves"
  timeout --kill-after=30s "${FLOTILLA_TEST_TIMEOUT:-40m}" \
    dotnet test tests/EndToEnd.Tests/EndToEnd.Tests.csproj -c Release --no-build --nologo --filter 'Isolation=Machine' 2>&1 | tee -a "$log"
  alone=${PIPESTATUS[0]}
  ((status != 0)) || status=$alone
else
  timeout --kill-after=30s "${FLOTILLA_TEST_TIMEOUT:-40m}" \
    dotnet test Cluster.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
fi
set -e

# Each test assembly that finishes closes with
# "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T ..."; one whose host crashed prints
# "Test Run Aborted." instead, and counts as one failure.
read -r passed failed skipped < <(
  grep -E '^(Passed|Failed)! +- +Failed:' "$log" | tr -d ' ' | awk -F'[:,]' '
    { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
aborted=$(grep -c '^Test Run Aborted' "$log" || true)
failed=$((failed + aborted))

if ((status == 124 || status == 137)); then
  echo "test: the test run exceeded ${FLOTILLA_TEST_TIMEOUT:-40m} and was killed" >&2
fi
if ((aborted > 0)); then
  echo "test: $aborted test host(s) crashed or were killed (see 'The active test run was aborted' above)" >&2
fi
if ((status == 0 && passed + failed == 0)); then
  echo "test: no test ran" >&2
  status=1
fi
if ((status != 0 && failed == 0)); then failed=1; fi  # a broken run is a failure even without a count

# Every test class carries a Category trait (DESIGN.md), or `--filter Category=...` would skip it
# unseen. Only on a full run: run what matches no category; anything that runs is a failure.
if (($# == 0)); then
  echo "test: checking that every test has a Category trait"
  timeout --kill-after=30s 10m dotnet test Cluster.sln -c Release --no-build --nologo \
    --filter 'Category!=Unit&Category!=Integration&Category!=EndToEnd' \
    --logger 'console;verbosity=normal' >"$log.uncategorized" 2>&1 || true
  uncategorized=$(grep -E '^  (Passed|Failed|Skipped) [A-Za-z_]' "$log.uncategorized" | sed -E 's/^  [A-Za-z]+ /  /' || true)
  if [[ -n "$uncategorized" ]]; then
    count=$(printf '%s\n' "$uncategorized" | wc -l)
    printf 'test: %d test(s) without [Trait("Category", "Unit"|"Integration"|"EndToEnd")]:\n%s\n' "$count" "$uncategorized" >&2
    failed=$((failed + count))
    ((status != 0)) || status=1
  fi
  rm -f "$log.uncategorized"
fi

failures=$(grep -E '^  Failed [A-Za-z_]' "$log" | sed 's/^  Failed /  /' || true)
skips=$(grep -E '^  Skipped [A-Za-z_]' "$log" | sed 's/^  Skipped /  /' || true)
[[ -n "$failures" ]] && printf 'test: failed:\n%s\n' "$failures"
[[ -n "$skips" ]] && printf 'test: skipped:\n%s\n' "$skips"
now=$(date +%s)
echo "test: took $((now - started))s (install and build $((built - started))s, tests $((now - built))s)"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
