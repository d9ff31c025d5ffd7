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
start nodeagent "$out/NodeAgent/Flotilla.NodeAgent" --Runtime:Path="$(realpath "$out/Runtime/flotilla-runtime")" \
  --ControlPlane:Address=http://127.0.0.1:7071 --ControlPlane:JoinTokenFile="$cp_data/join-token"

# A local registry for images built on this machine (Debian's docker-registry, loopback only).
registry_data=/var/lib/flotilla/registry
mkdir -p "$registry_data"
cat >"$run/registry.yml" <<EOF
version: 0.1
log: { level: warn, formatter: text }
storage: { filesystem: { rootdirectory: $registry_data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:5000 }
EOF
start registry /usr/bin/docker-registry serve "$run/registry.yml"

wait_healthy nodeagent http://127.0.0.1:7080/healthz
wait_healthy gateway http://127.0.0.1:8081/healthz
wait_healthy registry http://127.0.0.1:5000/v2/

# The demo: busybox httpd built offline, pushed to the local registry, deployed with three replicas
# behind the gateway at /hello.
flotilla=$out/Cli/flotilla
export FLOTILLA_TOKEN_FILE=$cp_data/api-token
demo=/var/lib/flotilla/demo
scripts/demo-image.sh "$demo/image" 1.0 >/dev/null
skopeo copy --quiet --dest-tls-verify=false "oci:$demo/image:1.0" docker://localhost:5000/hello:1.0
cat >"$demo/hello.yaml" <<'EOF'
name: hello
image: localhost:5000/hello:1.0
replicas: 3
resources: { cpu: 0.1, memory: 32Mi, pids: 64 }
ports: [ { name: http, container: 8000 } ]
expose: { path: /hello, port: http }
health: { http: { path: /hello, port: http }, interval: 2s, timeout: 1s, retries: 2 }
restart: { policy: always }
EOF
"$flotilla" deploy -f "$demo/hello.yaml"

echo "up: waiting for the demo to answer at http://localhost:8080/hello"
answered=""
for _ in $(seq 1 150); do
  if answered=$(curl -fsS --max-time 2 http://127.0.0.1:8080/hello 2>/dev/null); then break; fi
  answered=""
  sleep 0.4
done
if [[ -z "$answered" ]]; then
  echo "up: the demo did not answer through the gateway; see $logs/*.log and '$flotilla workload hello'" >&2
  "$flotilla" workload hello >&2 || true
  exit 1
fi

echo
"$flotilla" nodes
echo
"$flotilla" workloads
echo
for _ in 1 2 3; do echo "curl localhost:8080/hello -> $(curl -fsS --max-time 2 http://127.0.0.1:8080/hello)"; done
cat <<INFO

up: running.
  demo           curl http://localhost:8080/hello (3 replicas: $flotilla workload hello)
  CLI            $flotilla (reads the API token from $cp_data/api-token; try: $flotilla nodes, $flotilla ps)
  control plane  REST http://127.0.0.1:7070 (OpenAPI /openapi/v1.json, metrics /metrics), gRPC :7071
  node agent     Docker Engine API on /run/flotilla/agent.sock (docker -H unix:///run/flotilla/agent.sock ps), metrics http://127.0.0.1:7080/metrics
  gateway        proxy http://127.0.0.1:8080, admin http://127.0.0.1:8081/routes and /metrics
  registry       localhost:5000 (push with: skopeo copy --dest-tls-verify=false ... docker://localhost:5000/NAME:TAG)
  logs           $logs/<service>.log; stop everything with scripts/down.sh
INFO
