#!/usr/bin/env bash
# Requests per second through a published port against the same nginx reached directly from its own network
# namespace, plus connection set-up latency. A remote client's published-port traffic takes the agent's eBPF fast
# path (Networking:FastPath, on by default); the remote_nft variant turns it off for its run, so the nftables path
# (DNAT, conntrack, host routing, the bridge) is measured in the same rounds.
#
# Layout (all network namespaces made here; nothing touches the root namespace's network):
#   client ns ──veth ("the cable")── host ns (flotilla0 bridge, rules) ──veth── container ns (nginx)
# The client stands for another machine on the host's link. The link is one veth pair, not a bridge in a
# "switch" namespace: a physical switch forwards in hardware, while a software one here ran its bridge, an
# extra veth hop and (with br_netfilter loaded, as dockerd does) a pass through netfilter for every frame on
# the same two cores as the host under test, which a real network does not charge to the host.
# The container's network is made by the agent's own code (AddNetworking → IContainerNetworking.AttachAsync),
# run as a .NET file-based app, with the agent's default options.
#
# Figures (medians over interleaved rounds; ratios are paired within each round):
#   RESULT rps_direct=            wrk inside the container's namespace to 127.0.0.1:80
#   RESULT rps_published_remote=  wrk on the client host to hostIP:hostPort (the eBPF fast path)
#   RESULT rps_published_remote_nft=  the same with Networking:FastPath off (nftables DNAT, forwarded over the bridge)
#   RESULT rps_published_local=   wrk on the host itself to 127.0.0.1:hostPort (output DNAT + masquerade)
#   RESULT rps_routed=            wrk on the client host to containerIP:80 over a static route (same hops, no NAT)
#   RESULT rps_host_direct=       wrk on the client host to the same nginx run in the host's own namespace
#                                 (hostIP:18081): the client's path without any container network
#   RESULT ratio_vs_direct=       rps_published_remote / rps_direct   (target >= 0.8)
#   RESULT ratio_vs_direct_nft=   rps_published_remote_nft / rps_direct (the nftables path alone)
#   RESULT ratio_fast_vs_nft=     rps_published_remote / rps_published_remote_nft
#   RESULT ratio_vs_routed=       rps_published_remote / rps_routed   (routed: host routing + bridge, no NAT)
#   RESULT ratio_vs_host_direct=  rps_published_remote / rps_host_direct (bridge + veth + NAT: what running in a
#                                 container with a published port costs a remote client against running on the host)
#   RESULT ratio_local_vs_direct= rps_published_local / rps_direct
#   RESULT ratio_bridge_netfilter_off_vs_on=  rps_published_remote_nft / the same with the host's
#                                 net.bridge.bridge-nf-call-iptables put back to 1 for that run (what the agent's
#                                 Networking:BridgeNetfilterOff gains on the nftables path; 1.0 on a host without
#                                 br_netfilter)
#   RESULT cpu_us_per_request_direct= / cpu_us_per_request_published_remote= / ..._published_remote_nft=  CPU time of wrk and nginx (kernel
#                                 network work done on their behalf included) per request
#   RESULT cpu_ratio_vs_direct=   direct's CPU per request / the published path's, paired per round: the throughput
#                                 ratio a quiet CPU-bound machine would see, and far less moved by other load than rps
#   RESULT cpu_ratio_vs_direct_nft=  the same for the nftables path
#   RESULT cpu_ratio_bridge_netfilter_on_vs_off=  the nftables path with the host's bridge-nf-call-iptables at 1 / at 0
#
# Method: everything here (wrk, both nginx, the kernel's forwarding) shares this machine's cores with whatever
# else runs. wrk and nginx run at nice -10 (every variant alike) so other work on a shared machine does not
# decide the figures, the variants run in a rotated order each round, and each ratio is the median of ratios
# paired within a round.
#   RESULT connect_us_direct= / connect_us_published=   median TCP connect time (curl, 200 connections)
#   RESULT rps_new_connection_ratio=  published / direct with a new connection per request (fast path)
# Usage: bench/published-port.sh [seconds-per-run (default 2)] [rounds (default 15)]
# (Short runs, many rounds: on a loaded machine a pair of runs a few seconds apart sees about the same load.)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $EUID -ne 0 ]]; then echo "published-port: needs root (network namespaces, nftables)" >&2; exit 1; fi
for tool in wrk nginx curl ip nft nsenter unshare dotnet; do
  command -v "$tool" >/dev/null || { echo "published-port: '$tool' is missing" >&2; exit 1; }
done

duration=${1:-2}
rounds=${2:-15}
connections=32
tag=fltbench-$RANDOM$RANDOM
work=$(mktemp -d /tmp/$tag.XXXX)
host=$tag-host client=$tag-client
host_ip=198.18.0.1 client_ip=198.18.0.2 host_port=18080 host_direct_port=18081
nginx_pid="" host_nginx_pid=""
prio=(nice -n -10)

cleanup() {
  set +e
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  [[ -n $host_nginx_pid ]] && kill "$host_nginx_pid" 2>/dev/null && wait "$host_nginx_pid" 2>/dev/null
  if [[ -f $work/app/out/bench.dll ]]; then
    dotnet "$work/app/out/bench.dll" detach "$work" "/run/netns/$host" >/dev/null 2>&1
  fi
  for ns in "$work"/netns/*; do [[ -e $ns ]] && umount "$ns" 2>/dev/null; done
  ip netns del "$client" 2>/dev/null; ip netns del "$host" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "published-port: building the lab ($tag)" >&2
ip netns add "$host"; ip netns add "$client"
ip -n "$client" link add uplink type veth peer name uplink netns "$host"
for pair in "$host:$host_ip" "$client:$client_ip"; do
  ns=${pair%%:*} addr=${pair#*:}
  ip -n "$ns" addr add "$addr/24" dev uplink
  ip -n "$ns" link set uplink up && ip -n "$ns" link set lo up
done

mkdir -p "$work/app"
cat >"$work/app/bench.cs" <<EOF
#:project $(pwd)/src/NodeAgent/NodeAgent.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
using Flotilla.NodeAgent.Networking;
using Microsoft.Extensions.DependencyInjection;

var (verb, root, hostNs) = (args[0], args[1], args[2]);
using var services = new ServiceCollection().AddLogging().AddNetworking(o =>
{
    o.FastPath = verb != "nft";
    o.Subnet = "10.77.0.0/24";
    o.StateDirectory = Path.Combine(root, "state");
    o.NetnsDirectory = Path.Combine(root, "netns");
    o.HostNetworkNamespace = hostNs;
}).BuildServiceProvider();
var networking = services.GetRequiredService<IContainerNetworking>();
if (verb == "attach")
{
    var attachment = await networking.AttachAsync(
        new NetworkRequest("bench", "bench", "bench", NetworkMode.Bridge, [PortMapping.Parse("$host_port:80")]), CancellationToken.None);
    Console.WriteLine(\$"{attachment.NetworkNamespacePath} {attachment.IpAddress}");
}
else if (verb is "nft" or "fast")
{
    // The agent's start-up reconcile with Networking:FastPath off or on: removes or re-creates the fast path.
    await networking.ReconcileAsync(["bench"], CancellationToken.None);
}
else
{
    await networking.DetachAsync("bench", CancellationToken.None);
}
EOF
echo "published-port: attaching the container with the agent's networking code (first build takes a while)" >&2
# Built once; each later step (attach, the fast path off and on, detach) starts the built app (~0.3 s, not a build check).
(cd "$work/app" && dotnet build bench.cs -o "$work/app/out" >"$work/app/build.log" 2>&1) \
  || { cat "$work/app/build.log" >&2; exit 1; }
read -r container_ns container_ip < <(dotnet "$work/app/out/bench.dll" attach "$work" "/run/netns/$host" | tail -1)
echo "published-port: container namespace $container_ns, address $container_ip, published $host_ip:$host_port" >&2
# The pins of the fast path (the library's default: named after the bridge and the state directory).
pins=/sys/fs/bpf/flotilla/flotilla0-$(printf %s "$work/state" | sha256sum | cut -c1-12)
ls "$pins/links" 2>/dev/null | grep -q '^ingress-uplink-' \
  || { echo "published-port: the eBPF fast path is not attached to uplink (see the agent's log); nothing to compare" >&2; exit 1; }
bridge_nf=/proc/sys/net/bridge/bridge-nf-call-iptables
host_bridge_nf=$(ip netns exec "$host" cat "$bridge_nf" 2>/dev/null || echo absent)
echo "published-port: the host's net.bridge.bridge-nf-call-iptables with the container attached: $host_bridge_nf" >&2
# Only for the routed reference: the client reaches the container's subnet through the host without NAT.
ip -n "$client" route add 10.77.0.0/24 via "$host_ip"

cat >"$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 80 reuseport backlog=4096; keepalive_requests 1000000; location / { return 200 "hello from flotilla\n"; } }
}
EOF
mkdir -p "$work/tmp"
# The same server in the host's own namespace, for the rps_host_direct reference.
sed -e "s#$work/nginx.pid#$work/nginx-host.pid#" -e "s#listen 80 #listen $host_direct_port #" "$work/nginx.conf" >"$work/nginx-host.conf"
nsenter --net="$container_ns" "${prio[@]}" nginx -c "$work/nginx.conf" &
nginx_pid=$!
nsenter --net="/run/netns/$host" "${prio[@]}" nginx -c "$work/nginx-host.conf" &
host_nginx_pid=$!
for _ in $(seq 50); do nsenter --net="$container_ns" curl -sf -o /dev/null http://127.0.0.1/ && break; sleep 0.1; done
for _ in $(seq 50); do nsenter --net="/run/netns/$host" curl -sf -o /dev/null "http://127.0.0.1:$host_direct_port/" && break; sleep 0.1; done
nsenter --net="/run/netns/$client" curl -sf -o /dev/null --max-time 3 "http://$host_ip:$host_port/" \
  || { echo "published-port: the published port does not answer from the client host" >&2; exit 1; }

nginx_ticks() { # CPU time (user + system, clock ticks) both nginx's workers used so far
  local total=0 pid stat
  for pid in $(pgrep -P "$nginx_pid") $(pgrep -P "$host_nginx_pid"); do
    read -r -a stat <"/proc/$pid/stat" && total=$((total + stat[13] + stat[14]))
  done
  echo "$total"
}
# Prints "requests/s CPU-µs-per-request": the CPU time of wrk and nginx (with the kernel's network work done on
# their behalf) divided by the requests served.
rps() { # namespace-path url [extra wrk args...]
  local ns=$1 url=$2 before after out; shift 2
  before=$(nginx_ticks)
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell, whose only child is wrk
  out=$(nsenter --net="$ns" "${prio[@]}" bash -c 'wrk "$@"; read -r -a s </proc/$$/stat; echo "child-ticks $((s[15] + s[16]))"' \
    wrk -t1 -c"$connections" -d"${duration}s" "$@" "$url")
  after=$(nginx_ticks)
  awk -v server=$((after - before)) -v hz="$(getconf CLK_TCK)" '/^Requests\/sec:/ { rps = $2 } / requests in / { n = $1 }
    /^child-ticks/ { client = $2 } END { printf "%.0f %.2f\n", rps, (server + client) / hz * 1e6 / n }' <<<"$out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A samples
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
declare -A run cpu
variants=(direct remote remote_nft local routed host_direct direct_close remote_close remote_bridge_nf)
fast_path() { # nft | fast: the container's published port through nftables alone, or through the eBPF fast path
  dotnet "$work/app/out/bench.dll" "$1" "$work" "/run/netns/$host" >/dev/null
}
measure() {
  case $1 in
    direct) rps "$container_ns" "http://127.0.0.1:80/" ;;
    remote) rps "/run/netns/$client" "http://$host_ip:$host_port/" ;;
    remote_nft) fast_path nft; rps "/run/netns/$client" "http://$host_ip:$host_port/"; fast_path fast ;;
    local) rps "/run/netns/$host" "http://127.0.0.1:$host_port/" ;;
    routed) rps "/run/netns/$client" "http://$container_ip:80/" ;;
    host_direct) rps "/run/netns/$client" "http://$host_ip:$host_direct_port/" ;;
    direct_close) rps "$container_ns" "http://127.0.0.1:80/" -H "Connection: close" ;;
    remote_close) rps "/run/netns/$client" "http://$host_ip:$host_port/" -H "Connection: close" ;;
    remote_bridge_nf) # the agent's BridgeNetfilterOff undone for one run of the nftables path
      fast_path nft
      if [[ $host_bridge_nf == 0 ]]; then ip netns exec "$host" sh -c "echo 1 >$bridge_nf"; fi
      rps "/run/netns/$client" "http://$host_ip:$host_port/"
      if [[ $host_bridge_nf == 0 ]]; then ip netns exec "$host" sh -c "echo 0 >$bridge_nf"; fi
      fast_path fast ;;
  esac
}
for round in $(seq "$rounds"); do
  echo "published-port: round $round/$rounds" >&2
  # Rotate the order, so no variant always runs first (or right after the same neighbour).
  for i in "${!variants[@]}"; do
    v=${variants[$(((i + round) % ${#variants[@]}))]}
    read -r "run[$v]" "cpu[$v]" < <(measure "$v")
  done
  samples[direct]+="${run[direct]} " samples[remote]+="${run[remote]} " samples[local]+="${run[local]} "
  samples[remote_nft]+="${run[remote_nft]} " samples[r_direct_nft]+="$(ratio "${run[remote_nft]}" "${run[direct]}") "
  samples[r_fast_nft]+="$(ratio "${run[remote]}" "${run[remote_nft]}") "
  samples[cpu_remote_nft]+="${cpu[remote_nft]} " samples[r_cpu_nft]+="$(ratio "${cpu[direct]}" "${cpu[remote_nft]}") "
  samples[routed]+="${run[routed]} " samples[host_direct]+="${run[host_direct]} "
  # Ratios are paired within a round, so load from other processes on the machine cancels out.
  samples[r_direct]+="$(ratio "${run[remote]}" "${run[direct]}") " samples[r_routed]+="$(ratio "${run[remote]}" "${run[routed]}") "
  samples[r_host]+="$(ratio "${run[remote]}" "${run[host_direct]}") "
  samples[r_local]+="$(ratio "${run[local]}" "${run[direct]}") " samples[r_close]+="$(ratio "${run[remote_close]}" "${run[direct_close]}") "
  samples[r_bridge_nf]+="$(ratio "${run[remote_nft]}" "${run[remote_bridge_nf]}") "
  samples[cpu_direct]+="${cpu[direct]} " samples[cpu_remote]+="${cpu[remote]} "
  samples[r_cpu]+="$(ratio "${cpu[direct]}" "${cpu[remote]}") " samples[r_cpu_bridge_nf]+="$(ratio "${cpu[remote_bridge_nf]}" "${cpu[remote_nft]}") "
done
for key in "${!samples[@]}"; do
  echo "published-port: $key samples: ${samples[$key]}" >&2
  declare "m_$key=$(tr ' ' '\n' <<<"${samples[$key]}" | grep . | median)"
done

connect_us() { # namespace-path url
  for _ in $(seq 200); do nsenter --net="$1" "${prio[@]}" curl -s -o /dev/null -w '%{time_connect}\n' "$2"; done \
    | awk '{ printf "%.0f\n", $1 * 1000000 }' | median
}
connect_direct=$(connect_us "$container_ns" "http://127.0.0.1:80/")
connect_published=$(connect_us "/run/netns/$client" "http://$host_ip:$host_port/")

echo "RESULT rps_direct=$m_direct"
echo "RESULT rps_published_remote=$m_remote"
echo "RESULT rps_published_remote_nft=$m_remote_nft"
echo "RESULT rps_published_local=$m_local"
echo "RESULT rps_routed=$m_routed"
echo "RESULT rps_host_direct=$m_host_direct"
echo "RESULT ratio_vs_direct=$m_r_direct"
echo "RESULT ratio_vs_direct_nft=$m_r_direct_nft"
echo "RESULT ratio_fast_vs_nft=$m_r_fast_nft"
echo "RESULT ratio_vs_routed=$m_r_routed"
echo "RESULT ratio_vs_host_direct=$m_r_host"
echo "RESULT ratio_local_vs_direct=$m_r_local"
echo "RESULT ratio_bridge_netfilter_off_vs_on=$m_r_bridge_nf"
echo "RESULT cpu_us_per_request_direct=$m_cpu_direct"
echo "RESULT cpu_us_per_request_published_remote=$m_cpu_remote"
echo "RESULT cpu_us_per_request_published_remote_nft=$m_cpu_remote_nft"
echo "RESULT cpu_ratio_vs_direct=$m_r_cpu"
echo "RESULT cpu_ratio_vs_direct_nft=$m_r_cpu_nft"
echo "RESULT cpu_ratio_bridge_netfilter_on_vs_off=$m_r_cpu_bridge_nf"
echo "RESULT rps_new_connection_ratio=$m_r_close"
echo "RESULT connect_us_direct=$connect_direct"
echo "RESULT connect_us_published=$connect_published"
