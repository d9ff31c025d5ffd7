#!/usr/bin/env bash
# A whole Flotilla fleet on this one machine: Redis, N control-plane silos in cluster mode, an OCI
# registry, M node agents each in its own network-namespace host, and the gateway.
#
#   scripts/fleet.sh up [--hosts 3] [--silos 2] [--runtime flotilla|runc|PATH] [--name NAME]
#                       [--dir DIR] [--port-base 17000] [--gateway-port 8080] [--build]
#   scripts/fleet.sh status [--name NAME]
#   scripts/fleet.sh demo [--name NAME]     (the busybox httpd demo, 3 replicas behind the gateway at /hello)
#   scripts/fleet.sh down [--name NAME] [--dir DIR]
#
# Hosts sit on a private bridge with a /24 of 198.18.0.0/15 claimed like the tests' netns hosts
# claim theirs (an flock on /run/flotilla-tests/netns/<index>.lock), so a fleet and a test run never
# share a subnet. Every process the fleet starts carries FLOTILLA_FLEET=<name> in its environment;
# `down` stops them by that mark and removes everything else by name, so it also cleans up after a
# crash or a half-finished `up`. `up` on a running fleet starts only what is missing.
set -euo pipefail
shopt -s nullglob

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$repo/artifacts/bin
lease_dir=/run/flotilla-tests/netns
runs=/run/flotilla-fleet
first_host_octet=10
agent_http_port=7080

usage() {
  sed -n '5,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
say() { echo "fleet: $*"; }
fail() { echo "fleet: $*" >&2; exit 1; }

command=${1:-}
[[ $command =~ ^(up|down|status|demo)$ ]] || usage
shift
name=local dir="" hosts="" silos="" runtime="" port_base="" gateway_port="" build=0
while (($#)); do
  case $1 in
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --hosts) hosts=${2:?--hosts needs a value}; shift 2 ;;
    --silos) silos=${2:?--silos needs a value}; shift 2 ;;
    --runtime) runtime=${2:?--runtime needs a value}; shift 2 ;;
    --port-base) port_base=${2:?--port-base needs a value}; shift 2 ;;
    --gateway-port) gateway_port=${2:?--gateway-port needs a value}; shift 2 ;;
    --build) build=1; shift ;;
    -h | --help) usage ;;
    *) echo "fleet: unknown option $1" >&2; usage ;;
  esac
done

# Node ids become cgroup paths (flotilla/<node-id>) and must be lowercase DNS-like names.
[[ $name =~ ^[a-z][a-z0-9-]{0,19}$ ]] || fail "--name must be 1-20 lowercase letters, digits or '-', starting with a letter (got '$name')"
((EUID == 0)) || fail "the fleet creates network namespaces, bridges, cgroups and mounts: run as root"
run=$runs/$name
state=$run/fleet.env

# ---------------------------------------------------------------- settings and state

# The state file records what `up` chose, so status/down/a second up act on the same fleet.
declare -A saved=()
if [[ -f $state ]]; then
  while IFS='=' read -r key value; do saved[$key]=$value; done <"$state"
fi

setting() { # name, given value, default
  local saved_value=${saved[$1]:-} given=$2
  if [[ -n $given && -n $saved_value && $given != "$saved_value" && $command == up ]]; then
    fail "fleet '$name' runs with --$1 $saved_value; run 'scripts/fleet.sh down --name $name' first to change it"
  fi
  echo "${given:-${saved_value:-$3}}"
}
dir=$(setting dir "$dir" "/var/lib/flotilla-fleet/$name")
hosts=$(setting hosts "$hosts" 3)
silos=$(setting silos "$silos" 2)
runtime=$(setting runtime "$runtime" flotilla)
port_base=$(setting port-base "$port_base" 17000)
gateway_port=$(setting gateway-port "$gateway_port" 8080)
index=${saved[index]:-}
logs=$dir/logs

in_range() { # option, value, min, max
  [[ $2 =~ ^[0-9]+$ ]] && (($2 >= $3 && $2 <= $4)) && return
  fail "--$1 must be a number in $3..$4 (got '$2')"
}
in_range hosts "$hosts" 1 200
in_range silos "$silos" 1 9
in_range port-base "$port_base" 1024 65400
in_range gateway-port "$gateway_port" 1 65534
[[ $dir == /* ]] || dir=$(realpath -m "$dir")

# Ports: Redis at the base, the registry next to it, silo i at base+10i (REST, gRPC, silo, Orleans gateway).
redis_port=$port_base
registry_port=$((port_base + 1))
silo_port() { echo $((port_base + 10 * $1 + $2)); } # silo number, 0 REST | 1 gRPC | 2 silo | 3 Orleans gateway
admin_port=$((gateway_port + 1))

# The default fleet's nodes are host-1..host-M; a named fleet prefixes them so fleets never share a cgroup parent.
node_id() { if [[ $name == local ]]; then echo "host-$1"; else echo "$name-host-$1"; fi; }
node_glob() { if [[ $name == local ]]; then echo "host-[0-9]*"; else echo "$name-host-[0-9]*"; fi; }
netns_of() { echo "fleet-$name-host-$1"; }
prefix_of() { echo "198.$((18 + $1 / 256)).$(($1 % 256))"; }
mark="flotilla-fleet:$name"

# ---------------------------------------------------------------- processes

# True when the pid file names a live process of this fleet (not a recycled pid).
alive() {
  local pidfile=$run/pids/$1.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  grep -qzx "FLOTILLA_FLEET=$name" "/proc/$pid/environ" 2>/dev/null
}

# Starts a long-running process in its own session, marked, with its output in logs/<name>.log.
# Environment assignments before the call (VAR=x spawn ...) reach the process without showing in ps.
spawn() { # name, command...
  local what=$1; shift
  if alive "$what"; then
    say "$what already runs (pid $(<"$run/pids/$what.pid"))"
    return
  fi
  FLOTILLA_FLEET=$name setsid "$@" </dev/null >>"$logs/$what.log" 2>&1 8<&- 9<&- &
  local pid=$!
  echo "$pid" >"$run/pids/$what.pid"
  # Until the forked shell has exec'd, /proc shows the script's environment, without the mark.
  local process_state
  for _ in $(seq 1 100); do
    alive "$what" && break
    process_state=$(sed -n 's/^State:\s*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
    [[ -n $process_state && $process_state != Z ]] || break # it exited: await reports it
    sleep 0.05
  done
}

# Waits until a check passes; fails with the end of the process's log if it exits or takes too long.
await() { # name, seconds, check command...
  local what=$1 seconds=$2 deadline=$((SECONDS + $2))
  shift 2
  until alive "$what" && "$@" >/dev/null 2>&1; do
    alive "$what" || give_up "$what exited"
    ((SECONDS < deadline)) || give_up "$what did not answer within ${seconds}s"
    sleep 0.2
  done
}

give_up() { # what happened, of the process named first
  local what=${1%% *}
  fail "$1; the end of $logs/$what.log:
$(tail -n 25 "$logs/$what.log" 2>/dev/null)
remove what was started with: scripts/fleet.sh down$([[ $name == local ]] || echo " --name $name")"
}

http_ok() { curl -fsS --max-time 2 -o /dev/null "$1"; }
gateway_ok() { curl -fsS --max-time 2 "http://127.0.0.1:$admin_port/healthz" | jq -e .controlPlaneConnected; }
redis_ok() { [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]; }

stop_pids() { # pids...: SIGTERM, then SIGKILL what is left after 10 s
  (($#)) || return 0
  local pid left
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 1 50); do
    left=()
    for pid in "$@"; do [[ -d /proc/$pid ]] && left+=("$pid"); done
    ((${#left[@]})) || return 0
    sleep 0.2
  done
  kill -KILL "$@" 2>/dev/null || true
}

# Every live process carrying this fleet's mark, the lease holder (released last) aside.
marked_pids() {
  local file pid
  grep -lzx "FLOTILLA_FLEET=$name" /proc/[0-9]*/environ 2>/dev/null | while read -r file; do
    pid=${file#/proc/}; pid=${pid%/environ}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == "flotilla-fleet-lease:$name "* ]] && continue
    echo "$pid"
  done
}

# ---------------------------------------------------------------- the subnet lease

# Claims a free /24 the way tests/TestSupport/Netns/SubnetLease.cs does: an exclusive flock on
# <index>.lock. A `sleep` holding the locked descriptor keeps the claim for the fleet's lifetime.
acquire_lease() {
  mkdir -p "$lease_dir"
  local i lock
  for ((i = 511; i >= 0; i--)); do
    lock=$lease_dir/$i.lock
    exec 9<>"$lock"
    # Same inode check: a lock file unlinked by its releaser must not count as a claim.
    if flock -xn 9 && [[ $(stat -Lc %d:%i "/proc/$$/fd/9") == "$(stat -c %d:%i "$lock" 2>/dev/null)" ]] &&
      [[ -z $(ip -o addr show to "$(prefix_of "$i").0/24") ]]; then
      # shellcheck disable=SC2016 # $0 expands in the inner shell
      FLOTILLA_FLEET=$name setsid bash -c 'exec -a "flotilla-fleet-lease:$0" sleep infinity' "$name" </dev/null >/dev/null 2>&1 8<&- &
      echo $! >"$run/pids/lease.pid"
      exec 9<&-
      index=$i
      return
    fi
    exec 9<&-
  done
  fail "every /24 of 198.18.0.0/15 is claimed (locks in $lease_dir)"
}

release_lease() {
  local pid lock
  for pid in $([[ -f $run/pids/lease.pid ]] && cat "$run/pids/lease.pid"; pgrep -fx "flotilla-fleet-lease:$name infinity" || true); do
    grep -qzx "FLOTILLA_FLEET=$name" "/proc/$pid/environ" 2>/dev/null || continue
    lock=$(readlink "/proc/$pid/fd/9" 2>/dev/null || true)
    # Unlinked while still held, so nobody can lock this file between our release and its removal.
    [[ $lock == "$lease_dir"/*.lock ]] && rm -f "$lock"
    kill -KILL "$pid" 2>/dev/null || true
  done
  # A holder that died before us left its lock file: remove it the same way, unless someone claimed it since.
  lock=$lease_dir/$index.lock
  if [[ -n $index && -f $lock ]]; then
    exec 9<>"$lock"
    if flock -xn 9 && [[ $(stat -Lc %d:%i "/proc/$$/fd/9") == "$(stat -c %d:%i "$lock" 2>/dev/null)" ]]; then
      rm -f "$lock"
    fi
    exec 9<&-
  fi
}

# ---------------------------------------------------------------- the network

firewall_rules() { # bridge: one rule per line
  # Docker sets FORWARD's policy to DROP and br_netfilter sends bridged frames through it: accept
  # host-to-host traffic and connections DNATed on the bridge's address; refuse the rest.
  echo "-i $1 ! -o $1 -m comment --comment $mark -j DROP"
  echo "-i $1 -o $1 -m comment --comment $mark -j ACCEPT"
  echo "-i $1 -m conntrack --ctstate DNAT -m comment --comment $mark -j ACCEPT"
}

ensure_network() {
  local prefix bridge n ns veth address rule
  prefix=$(prefix_of "$index")
  bridge=flbr$index
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip link set "$bridge" alias "$mark"
    ip addr add "$prefix.1/24" dev "$bridge"
    ip link set "$bridge" up
  fi
  while read -r rule; do
    # shellcheck disable=SC2086 # the rule is a list of words without spaces inside them
    iptables -w -C FORWARD $rule 2>/dev/null || iptables -w -I FORWARD $rule
  done < <(firewall_rules "$bridge")
  for ((n = 1; n <= hosts; n++)); do
    ns=$(netns_of "$n") veth=flv$index-$n address=$prefix.$((first_host_octet + n))
    if [[ -e /run/netns/$ns ]] && ip -n "$ns" -o addr show dev eth0 2>/dev/null | grep -q " $address/24 "; then
      continue
    fi
    remove_netns "$ns"
    ip link delete "$veth" 2>/dev/null || true
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" alias "$mark"
    ip link set "$veth" master "$bridge" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$address/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

remove_netns() { # name: kills what runs inside, then deletes it (its veth and agent bridge go with it)
  [[ -e /run/netns/$1 ]] || return 0
  local pids
  mapfile -t pids < <(ip netns pids "$1" 2>/dev/null)
  stop_pids "${pids[@]}"
  ip netns delete "$1"
}

# ---------------------------------------------------------------- up

publish() { # project, output name
  local out=$bin/$1
  if ((build)) || [[ ! -x $out/$2 ]]; then
    say "publishing $1 (Release) to $out"
    mkdir -p "$runs"
    local log
    log=$(mktemp "$runs/publish-XXXXXX.log")
    # Output to a file: build servers that outlive the publish must not hold a caller's pipe open.
    dotnet publish "$repo/src/$1/$1.csproj" -c Release -o "$out" -nologo -v:q </dev/null >"$log" 2>&1 ||
      { cat "$log" >&2; rm -f "$log"; fail "publishing $1 failed"; }
    rm -f "$log"
  fi
}

runtime_path() {
  case $runtime in
    flotilla) echo "$bin/Runtime/flotilla-runtime" ;;
    runc) command -v runc || fail "runc is not installed (apt-get install runc)" ;;
    *) realpath "$runtime" ;;
  esac
}

port_free() { [[ -z $(ss -Htln "( sport = :$1 )") ]]; }

check_ports() {
  local ports=("$redis_port" "$registry_port" "$gateway_port" "$admin_port") i
  for ((i = 1; i <= silos; i++)); do ports+=("$(silo_port "$i" 0)" "$(silo_port "$i" 1)" "$(silo_port "$i" 2)" "$(silo_port "$i" 3)"); done
  for port in "${ports[@]}"; do
    port_free "$port" || fail "port $port is in use (by another fleet, or scripts/up.sh?); pick other ports with --port-base N (now $port_base) and --gateway-port N (now $gateway_port)"
  done
}

token() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

up() {
  local tool
  "$repo/scripts/install-deps.sh"
  for tool in ip iptables nsenter setsid flock curl jq ss redis-server redis-cli docker-registry dotnet; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh"
  done
  publish ControlPlane Flotilla.ControlPlane
  publish NodeAgent Flotilla.NodeAgent
  publish Gateway Flotilla.Gateway
  [[ $runtime != flotilla ]] || publish Runtime flotilla-runtime
  local runtime_bin
  runtime_bin=$(runtime_path)
  [[ -x $runtime_bin ]] || fail "the runtime $runtime_bin is not an executable"

  mkdir -p "$runs"
  exec 8<"$runs"
  flock 8 # one up or down at a time on this machine

  if [[ -z $index ]] || ! alive lease; then
    # Nothing of this fleet runs: sweep what a crash or an unfinished up left, then start afresh.
    [[ -z $index ]] || say "fleet '$name' was stopped or crashed: removing what it left, then starting afresh"
    teardown
    index=""
    check_ports
    [[ ! -e $dir || -z $(ls -A "$dir") ]] || fail "--dir $dir is not empty and holds no fleet: give an empty or new directory (down deletes it)"
    mkdir -p "$dir" "$run/pids"
    echo "$name" >"$dir/.flotilla-fleet"
    acquire_lease
    printf '%s\n' "dir=$dir" "hosts=$hosts" "silos=$silos" "runtime=$runtime" "port-base=$port_base" \
      "gateway-port=$gateway_port" "index=$index" >"$state"
  fi
  mkdir -p "$logs" "$dir/redis" "$dir/registry"
  local prefix bridge_ip
  prefix=$(prefix_of "$index") bridge_ip=$(prefix_of "$index").1
  [[ -f $dir/api-token ]] || (umask 077 && token >"$dir/api-token")
  [[ -f $dir/join-token ]] || (umask 077 && token >"$dir/join-token")
  ensure_network

  spawn redis redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" \
    --appendonly yes --save "" --protected-mode no --daemonize no --set-proc-title no
  await redis 30 redis_ok

  local i n
  for ((i = 1; i <= silos; i++)); do
    ControlPlane__ApiToken=$(<"$dir/api-token") ControlPlane__JoinToken=$(<"$dir/join-token") \
      spawn "silo-$i" "$bin/ControlPlane/Flotilla.ControlPlane" --ControlPlane:Mode=Cluster \
      --ControlPlane:Redis="127.0.0.1:$redis_port" --ControlPlane:ClusterId="fleet-$name" --ControlPlane:ServiceId="fleet-$name" \
      --ControlPlane:AdvertisedAddress=127.0.0.1 --ControlPlane:DataDirectory="$dir/silo-$i" \
      --ControlPlane:RestPort="$(silo_port "$i" 0)" --ControlPlane:GrpcPort="$(silo_port "$i" 1)" \
      --ControlPlane:SiloPort="$(silo_port "$i" 2)" --ControlPlane:GatewayPort="$(silo_port "$i" 3)"
  done

  cat >"$dir/registry/config.yml" <<YAML
version: 0.1
log: { level: info, formatter: text }
storage:
  filesystem: { rootdirectory: $dir/registry/data }
  delete: { enabled: true }
http: { addr: "$bridge_ip:$registry_port", secret: fleet-$name }
YAML
  spawn registry docker-registry serve "$dir/registry/config.yml"

  for ((i = 1; i <= silos; i++)); do await "silo-$i" 120 http_ok "http://127.0.0.1:$(silo_port "$i" 0)/healthz"; done
  await registry 30 http_ok "http://$bridge_ip:$registry_port/v2/"

  local zones=(a b c)
  for ((n = 1; n <= hosts; n++)); do
    local host=host-$n silo=$(((n - 1) % silos + 1))
    mkdir -p "$dir/$host/state" "$run/$host"
    # nsenter --net, not ip netns exec: the latter gives a private mount namespace with a fresh /sys,
    # hiding the cgroup hierarchies and the agent's mounts from everyone else.
    spawn "$host" nsenter --net="/run/netns/$(netns_of "$n")" -- "$bin/NodeAgent/Flotilla.NodeAgent" \
      --Agent:NodeId="$(node_id "$n")" --Agent:StateDirectory="$dir/$host/state" \
      --Agent:SocketPath="$dir/$host/agent.sock" --Agent:HttpPort="$agent_http_port" \
      --Runtime:Path="$runtime_bin" --Runtime:Root="$run/$host/runtime" \
      --Networking:BridgeName="flc${index}h$n" --Networking:Subnet="10.$((100 + (n - 1) / 250)).$(((n - 1) % 250)).0/24" \
      --Networking:NetnsDirectory="$run/$host/netns" \
      --Images:PlainHttpRegistries:0="$bridge_ip:$registry_port" \
      --ControlPlane:Address="http://$bridge_ip:$(silo_port "$silo" 1)" --ControlPlane:JoinTokenFile="$dir/join-token" \
      --ControlPlane:AdvertisedAddress="$prefix.$((first_host_octet + n))" \
      --ControlPlane:Labels:zone="${zones[$(((n - 1) % 3))]}" --ControlPlane:Labels:fleet="$name"
  done

  ControlPlane__Token=$(<"$dir/api-token") spawn gateway "$bin/Gateway/Flotilla.Gateway" \
    --ControlPlane:Address="http://127.0.0.1:$(silo_port 1 1)" --ControlPlane:GatewayId="fleet-$name" \
    --Gateway:ProxyPort="$gateway_port" --Gateway:AdminPort="$admin_port" --Gateway:RouteTableFile="$dir/gateway-routes.json"

  for ((n = 1; n <= hosts; n++)); do await "host-$n" 120 http_ok "http://$prefix.$((first_host_octet + n)):$agent_http_port/healthz"; done
  await gateway 60 gateway_ok # serving, and fed by the control plane
  exec 8<&-
  describe
}

describe() {
  local prefix i n
  prefix=$(prefix_of "$index")
  say "fleet '$name' runs ($hosts hosts, $silos silos, runtime $runtime)"
  echo "  redis          127.0.0.1:$redis_port (data $dir/redis)"
  for ((i = 1; i <= silos; i++)); do
    echo "  silo-$i         REST http://127.0.0.1:$(silo_port "$i" 0)  gRPC $prefix.1:$(silo_port "$i" 1) (and 127.0.0.1)  silo :$(silo_port "$i" 2)  Orleans gateway :$(silo_port "$i" 3)"
  done
  echo "  registry       $prefix.1:$registry_port (plain HTTP; push with skopeo --dest-tls-verify=false)"
  for ((n = 1; n <= hosts; n++)); do
    echo "  host-$n         node $(node_id "$n") at $prefix.$((first_host_octet + n)) in netns $(netns_of "$n"): http://$prefix.$((first_host_octet + n)):$agent_http_port/metrics, docker -H unix://$dir/host-$n/agent.sock ps"
  done
  echo "  gateway        proxy http://127.0.0.1:$gateway_port, admin http://127.0.0.1:$admin_port/routes and /metrics"
  echo "  API token      $dir/api-token   e.g. curl -H \"Authorization: Bearer \$(cat $dir/api-token)\" http://127.0.0.1:$(silo_port 1 0)/v1/nodes"
  echo "  logs           $logs/<process>.log"
  echo "  stop           scripts/fleet.sh down$([[ $name == local ]] || echo " --name $name")"
}

# ---------------------------------------------------------------- status

status() {
  [[ -f $state ]] || { say "fleet '$name' is not running"; return 3; }
  local prefix bad=0 i n
  prefix=$(prefix_of "$index")
  report() { # name, check...
    local what=$1 pid="-"; shift
    alive "$what" && pid=$(<"$run/pids/$what.pid")
    if [[ $pid != - ]] && "$@" >/dev/null 2>&1; then
      printf '  %-10s up        pid %s\n' "$what" "$pid"
    else
      printf '  %-10s DOWN      pid %s (log %s)\n' "$what" "$pid" "$logs/$what.log"
      bad=1
    fi
  }
  say "fleet '$name' ($hosts hosts, $silos silos, subnet $prefix.0/24, dir $dir)"
  report redis redis_ok
  for ((i = 1; i <= silos; i++)); do report "silo-$i" http_ok "http://127.0.0.1:$(silo_port "$i" 0)/healthz"; done
  report registry http_ok "http://$prefix.1:$registry_port/v2/"
  for ((n = 1; n <= hosts; n++)); do report "host-$n" http_ok "http://$prefix.$((first_host_octet + n)):$agent_http_port/healthz"; done
  report gateway gateway_ok
  local nodes
  if nodes=$(curl -fsS --max-time 5 -H "Authorization: Bearer $(<"$dir/api-token")" "http://127.0.0.1:$(silo_port 1 0)/v1/nodes" 2>/dev/null); then
    echo "  nodes known to the control plane: $(jq -r '[.[] | "\(.id) (\(.state))"] | join(", ") | if . == "" then "none" else . end' <<<"$nodes")"
  fi
  return "$bad"
}

# ---------------------------------------------------------------- demo

# Builds the demo image, pushes it to the fleet's registry, deploys it (again) and waits for the gateway.
demo() {
  if [[ -z $index ]] || ! alive lease; then fail "fleet '$name' is not running: scripts/fleet.sh up first"; fi
  local registry layout api code answer i auth
  registry=$(prefix_of "$index").1:$registry_port
  api=http://127.0.0.1:$(silo_port 1 0)
  layout=$(mktemp -d)
  "$repo/scripts/demo-image.sh" "$layout/hello" 1.0 >/dev/null
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout/hello:1.0" "docker://$registry/hello:1.0"
  rm -rf "$layout"
  say "pushed $registry/hello:1.0"

  local spec="name: hello
image: $registry/hello:1.0
replicas: 3
ports: [ { name: http, container: 8000 } ]
expose: { path: /hello, port: http }
health: { http: { path: /hello, port: http }, interval: 2s, timeout: 1s, retries: 3 }
placement: { strategy: spread }"
  auth="Authorization: Bearer $(<"$dir/api-token")"
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H "$auth" "$api/v1/workloads/hello")
  if [[ $code == 200 ]]; then
    curl -fsS -o /dev/null -X PUT -H "$auth" -H 'Content-Type: application/yaml' --data-binary "$spec" "$api/v1/workloads/hello"
  else
    curl -fsS -o /dev/null -X POST -H "$auth" -H 'Content-Type: application/yaml' --data-binary "$spec" "$api/v1/workloads"
  fi
  say "deployed workload hello (3 replicas); waiting for http://127.0.0.1:$gateway_port/hello"
  for ((i = 0; i < 600; i++)); do
    answer=$(curl -fsS --max-time 2 "http://127.0.0.1:$gateway_port/hello" 2>/dev/null) && break
    sleep 0.2
  done
  [[ -n ${answer:-} ]] || fail "the gateway did not serve /hello within 120s; see $logs/ and: curl -H \"Authorization: Bearer \$(cat $dir/api-token)\" $api/v1/workloads/hello"
  for ((i = 0; i < 6; i++)); do
    echo "  curl http://127.0.0.1:$gateway_port/hello -> $(curl -fsS --max-time 2 "http://127.0.0.1:$gateway_port/hello" || echo '(failed)')"
  done
}

# ---------------------------------------------------------------- down

# Removes everything of this fleet, whether or not its state file survived: by the state, then by name.
teardown() {
  local pids node ns runtime_bin rr id link rule table nodes

  # Without a state file the bridge's name still tells which subnet the fleet held.
  if [[ -z $index ]]; then
    index=$(ip -o link show type bridge | awk -v m="alias $mark" 'index($0, m) { sub(/:$/, "", $2); sub(/^flbr/, "", $2); print $2; exit }')
  fi

  # Every process first, so no agent restarts a container while they go.
  mapfile -t pids < <(marked_pids)
  stop_pids "${pids[@]}"
  [[ -n ${saved[runtime]:-} ]] && runtime_bin=$(runtime_path 2>/dev/null || true)
  for rr in "$run"/host-*/runtime; do
    for id in "$rr"/*/; do
      id=$(basename "$id")
      if [[ -x ${runtime_bin:-} ]]; then timeout 30 "$runtime_bin" --root "$rr" delete --force "$id" >/dev/null 2>&1 || true; fi
    done
  done
  nodes=$(node_glob)
  # shellcheck disable=SC2231 # the node glob must expand
  for node in /sys/fs/cgroup/flotilla/$nodes /sys/fs/cgroup/*/flotilla/$nodes; do
    remove_cgroup_tree "$node"
  done

  mapfile -t pids < <(marked_pids) # what the runtimes left
  stop_pids "${pids[@]}"

  for ns in $(ip netns list | awk -v p="fleet-$name-host-" 'index($1, p) == 1 { print $1 }'); do
    remove_netns "$ns"
  done
  unmount_under "$dir" "$run"

  for link in $(ip -o link show | awk -v m="alias $mark" 'index($0, m) { sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2 }'); do
    ip link delete "$link" 2>/dev/null || true
  done
  while read -r rule; do
    rule=${rule//\"/}
    # shellcheck disable=SC2086 # iptables -S prints words without spaces inside them once unquoted
    iptables -w ${rule/#-A /-D } 2>/dev/null || true
  done < <(iptables -w -S FORWARD | grep -F -- "--comment \"$mark\"" || true)
  for table in $(nft list tables ip 2>/dev/null | awk '{ print $3 }'); do
    [[ -n $index && $table == flotilla_flc${index}h* ]] && nft delete table ip "$table"
  done

  # Only a directory the fleet made, never one a mistyped --dir points at.
  [[ -f $dir/.flotilla-fleet ]] && rm -rf --one-file-system "$dir"
  release_lease
  [[ -d $run ]] && rm -rf --one-file-system "$run"
  return 0
}

remove_cgroup_tree() { # a node's cgroup: kill its members, remove it deepest first
  [[ -d $1 ]] || return 0
  local cgroup members
  while read -r cgroup; do
    for _ in $(seq 1 50); do
      members=$(cat "$cgroup/cgroup.procs" 2>/dev/null) # cgroup files report size 0: read, do not test
      [[ -n $members ]] || break
      # shellcheck disable=SC2086 # one pid per word
      kill -KILL $members 2>/dev/null || true
      sleep 0.1
    done
    rmdir "$cgroup" 2>/dev/null || sleep 0.2
    [[ ! -d $cgroup ]] || rmdir "$cgroup" || say "cannot remove cgroup $cgroup (still busy)"
  done < <(find "$1" -depth -type d)
}

unmount_under() { # directories: every mount inside them, deepest first
  local point
  while read -r point; do
    umount "$point" 2>/dev/null || umount -l "$point" || true
  done < <(awk '{ print $5 }' /proc/self/mountinfo | while read -r p; do printf '%b\n' "${p//\\/\\0}"; done |
    awk -v a="$1/" -v b="$2/" 'index($0 "/", a) == 1 || index($0 "/", b) == 1' | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
}

down() {
  mkdir -p "$runs"
  exec 8<"$runs"
  flock 8
  teardown
  exec 8<&-
  say "fleet '$name' is down"
}

case $command in
  up) up ;;
  down) down ;;
  status) status ;;
  demo) demo ;;
esac
