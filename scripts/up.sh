#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts Flotilla's embedded
# single-host mode (control plane, one node agent, gateway) as background processes.
# Logs: /var/log/flotilla/<service>.log. Stop everything with scripts/down.sh. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $EUID -ne 0 ]]; then
  echo "up: the node agent manages namespaces, cgroups and mounts: run as root" >&2
  exit 1
fi

scripts/install-deps.sh

out=artifacts/bin
logs=/var/log/flotilla
run=/run/flotilla/up
mkdir -p "$logs" "$run"

echo "up: building (Release) into $out"
for p in ControlPlane NodeAgent Gateway Cli; do
  dotnet publish "src/$p/$p.csproj" -c Release -o "$out/$p" -nologo -v:q
done
dotnet publish src/Runtime/Runtime.csproj -c Release -o "$out/Runtime" -nologo -v:q

start() { # name, then the command
  local name=$1; shift
  if [[ -f "$run/$name.pid" ]] && kill -0 "$(cat "$run/$name.pid")" 2>/dev/null; then
    echo "up: $name already running (pid $(cat "$run/$name.pid"))"
    return
  fi
  nohup "$@" >"$logs/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
  echo "up: started $name (pid $!, log $logs/$name.log)"
}

wait_healthy() { # name, url
  for _ in $(seq 1 100); do
    curl -fsS "$2" >/dev/null 2>&1 && { echo "up: $1 healthy at $2"; return; }
    sleep 0.2
  done
  echo "up: $1 did not become healthy at $2; see $logs/$1.log" >&2
  exit 1
}
cp_data=/var/lib/flotilla/controlplane
start controlplane "$out/ControlPlane/Flotilla.ControlPlane" --ControlPlane:DataDirectory="$cp_data"
wait_healthy controlplane http://127.0.0.1:7070/healthz

# The embedded control plane writes its API token on first start; the gateway reads the route feed
# with it (through the environment, so it never shows in ps).
export ControlPlane__Token
ControlPlane__Token=$(cat "$cp_data/api-token")
start gateway "$out/Gateway/Flotilla.Gateway"
unset ControlPlane__Token
start nodeagent "$out/NodeAgent/Flotilla.NodeAgent" --Runtime:Path="$(realpath "$out/Runtime/flotilla-runtime")"

wait_healthy nodeagent http://127.0.0.1:7080/healthz
wait_healthy gateway http://127.0.0.1:8081/healthz
cat <<INFO
up: running.
  control plane  REST http://127.0.0.1:7070 (OpenAPI /openapi/v1.json, metrics /metrics), gRPC :7071
                 API token: $cp_data/api-token  (curl -H "Authorization: Bearer \$(cat $cp_data/api-token)" http://127.0.0.1:7070/v1/nodes)
  node agent     Docker Engine API on /run/flotilla/agent.sock (docker -H unix:///run/flotilla/agent.sock ps), metrics http://127.0.0.1:7080/metrics
  gateway        proxy http://127.0.0.1:8080, admin http://127.0.0.1:8081/routes and /metrics
  logs           $logs/<service>.log; stop everything with scripts/down.sh
INFO
