#!/usr/bin/env bash
# Scheduling benchmark (first version): an embedded control plane, N simulated agents registered
# through the real agent protocol, one deployment of M replicas; measures placements per second
# until all are reported running, and the REST API's p99 under a concurrent read load.
# No reference scheduler (Nomad, Kubernetes) can be installed here, so only Flotilla's figures print.
# Usage: bench/schedule.sh [nodes=20] [replicas=200]
set -euo pipefail
cd "$(dirname "$0")/.."
NODES="${1:-20}"
REPLICAS="${2:-200}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

dotnet build -c Release -v quiet -nologo src/ControlPlane/ControlPlane.csproj >/dev/null
dotnet build -c Release -v quiet -nologo bench/schedule/ScheduleBench.csproj >/dev/null

DATA="$(mktemp -d /tmp/flotilla-bench-schedule-XXXXXX)"
API_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
JOIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REST="$(free_port)"; GRPC="$(free_port)"; SILO="$(free_port)"; GW="$(free_port)"
CP_PID=""
cleanup() {
  if [ -n "$CP_PID" ]; then kill "$CP_PID" 2>/dev/null || true; wait "$CP_PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

ControlPlane__ApiToken="$API_TOKEN" ControlPlane__JoinToken="$JOIN_TOKEN" \
  dotnet src/ControlPlane/bin/Release/net10.0/Flotilla.ControlPlane.dll \
  --ControlPlane:DataDirectory="$DATA" --ControlPlane:RestPort="$REST" --ControlPlane:GrpcPort="$GRPC" \
  --ControlPlane:SiloPort="$SILO" --ControlPlane:GatewayPort="$GW" \
  --Logging:LogLevel:Default=Warning >"$DATA/controlplane.log" 2>&1 &
CP_PID=$!

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$REST/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$REST/healthz" >/dev/null || { echo "control plane did not start:"; tail -50 "$DATA/controlplane.log"; exit 1; }

FLOTILLA_API_TOKEN="$API_TOKEN" FLOTILLA_JOIN_TOKEN="$JOIN_TOKEN" \
  dotnet bench/schedule/bin/Release/net10.0/Flotilla.ScheduleBench.dll \
  --rest="http://127.0.0.1:$REST" --grpc="http://127.0.0.1:$GRPC" --nodes="$NODES" --replicas="$REPLICAS"
