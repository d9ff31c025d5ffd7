#!/usr/bin/env bash
# Flotilla's gateway vs nginx as a reverse proxy, side by side: the same upstream (an nginx
# worker answering a fixed 20-byte body), the same load generator (wrk, HTTP/1.1 keep-alive on
# loopback), the same connection count, rounds interleaved. Prints medians as RESULT lines.
# Everything shares the host's cores, so besides rps it prints the CPU time each proxy spent per
# request (utime+stime of its processes over a round / requests): the figure that decides rps on a
# small host, and one that the other processes' load disturbs less than rps.
# nginx_1w_* (informational): the same nginx config with worker_processes 1.
# Usage: bench/gateway.sh   (env: DURATION=10 CONNECTIONS=64 THREADS=2 ROUNDS=3 WARMUP=30 CONVERGENCE=1,
#        GATEWAY_ENV="DOTNET_gcServer=0 ..." to try runtime settings on the gateway alone)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-30}
CONVERGENCE=${CONVERGENCE:-1}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for tool in nginx wrk dotnet python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/flotilla-bench-gateway.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: $1 did not answer" >&2; exit 1
}

upstream_port=$(free_port); nginx_port=$(free_port); nginx1_port=$(free_port); gateway_port=$(free_port); admin_port=$(free_port); dead_port=$(free_port)

echo "bench: publishing the gateway (Release)" >&2
dotnet publish src/Gateway/Gateway.csproj -c Release -o "$work/gateway" -nologo -v:q >&2

nginx_common="daemon off; pid PIDFILE; error_log ERRLOG warn;
events { worker_connections 8192; }"
temp_paths="client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;"
mkdir -p "$work/tmp"

# The upstream: one nginx worker with a fixed response, shared by both proxies.
cat > "$work/upstream.conf" <<CONF
worker_processes 1;
${nginx_common//PIDFILE/$work/upstream.pid}
http {
  access_log off; $temp_paths
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$upstream_port;
    location / { default_type text/plain; return 200 "hello from upstream\n"; }
  }
}
CONF
sed -i "s|ERRLOG|$work/upstream.err|" "$work/upstream.conf"

# The reference: a plain nginx reverse proxy with keep-alive to the upstream and the same forwarded
# headers, one worker per core (worker_processes auto); nginx1 is the same with one worker (informational).
write_proxy_conf() { # name workers port
  cat > "$work/$1.conf" <<CONF
worker_processes $2;
${nginx_common//PIDFILE/$work/$1.pid}
http {
  access_log off; $temp_paths
  keepalive_requests 1000000;
  upstream app { server 127.0.0.1:$upstream_port; keepalive 256; }
  server {
    listen 127.0.0.1:$3;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$proxy_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }
}
CONF
  sed -i "s|ERRLOG|$work/$1.err|" "$work/$1.conf"
}
write_proxy_conf nginx auto "$nginx_port"
write_proxy_conf nginx1 1 "$nginx1_port"

nginx -c "$work/upstream.conf" -p "$work" & pids+=($!)
nginx -c "$work/nginx.conf" -p "$work" & pids+=($!); nginx_master=$!
nginx -c "$work/nginx1.conf" -p "$work" & pids+=($!); nginx1_master=$!

# The gateway gets its table from a route table file (as after a restart with the control plane
# away); the control plane address points at a closed port, so the feed only retries in the background.
cat > "$work/routes.json" <<JSON
{"version":"1","routes":[{"workload":"bench","pathPrefix":"/","destinations":[{"replicaId":"bench-1","nodeId":"local","address":"127.0.0.1:$upstream_port"}]}]}
JSON
env Gateway__ProxyPort=$gateway_port Gateway__AdminPort=$admin_port Gateway__RouteTableFile="$work/routes.json" \
ControlPlane__Address="http://127.0.0.1:$dead_port" ControlPlane__Token=bench ControlPlane__ReconnectMaxDelay=00:01:00 \
ASPNETCORE_ENVIRONMENT=Production ${GATEWAY_ENV:-} \
  "$work/gateway/Flotilla.Gateway" >"$work/gateway.log" 2>&1 & pids+=($!); gateway_pid=$!

wait_http "http://127.0.0.1:$upstream_port/"
wait_http "http://127.0.0.1:$nginx_port/"
wait_http "http://127.0.0.1:$nginx1_port/"
wait_http "http://127.0.0.1:$gateway_port/"
[[ $(curl -fsS "http://127.0.0.1:$gateway_port/") == "hello from upstream" ]] || { echo "bench: gateway does not proxy" >&2; exit 1; }

# CPU ticks (utime+stime, all threads) of the given processes, from /proc/<pid>/stat.
cpu_ticks() { local total=0 u k; for pid in "$@"; do read -r u k < <(awk '{ print $14, $15 }' "/proc/$pid/stat"); total=$((total + u + k)); done; echo "$total"; }
clk_tck=$(getconf CLK_TCK)

# wrk prints "N requests in", "Requests/sec: N" and, with --latency, "99% 1.23ms"; one line out:
# "rps p99_ms cpu_us_per_request" (CPU of the processes given after the port).
run_wrk() {
  local duration=$1 port=$2; shift 2
  local before after
  before=$(cpu_ticks "$@")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration"s --latency "http://127.0.0.1:$port/" >"$work/wrk.out"
  after=$(cpu_ticks "$@")
  awk -v ticks=$((after - before)) -v hz="$clk_tck" '
    /requests in/ { n = $1 }
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" { v = $2; unit = v; gsub(/[0-9.]/, "", unit); gsub(/[a-z]/, "", v);
                  ms = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : v }
    /Non-2xx|Socket errors/ { errors = errors $0 " " }
    END { printf "%s %s %.1f\n", rps, ms, ticks * 1000000 / hz / n; if (errors != "") print "bench: " errors > "/dev/stderr" }' "$work/wrk.out"
}

# Steady state is what a long-running gateway lives in: tiered JIT with dynamic PGO (an instrumented
# tier, then the optimized one) needs tens of seconds under load on a busy 2-core host before the hot
# path is fully optimized (CPU per request still fell from round to round with 15 s).
nginx_workers=$(pgrep -P "$nginx_master" | tr '\n' ' '); nginx1_workers=$(pgrep -P "$nginx1_master" | tr '\n' ' ')
echo "bench: warming up (JIT, connection pools)" >&2
run_wrk "$WARMUP" "$gateway_port" "$gateway_pid" >/dev/null
run_wrk 3 "$nginx_port" $nginx_workers >/dev/null
run_wrk 3 "$nginx1_port" $nginx1_workers >/dev/null

gateway_rps=(); gateway_p99=(); gateway_cpu=(); nginx_rps=(); nginx_p99=(); nginx_cpu=(); nginx1_rps=(); nginx1_p99=(); nginx1_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  read -r rps p99 cpu < <(run_wrk "$DURATION" "$gateway_port" "$gateway_pid"); gateway_rps+=("$rps"); gateway_p99+=("$p99"); gateway_cpu+=("$cpu")
  echo "bench: round $round gateway  rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu load=$(cut -d' ' -f1 /proc/loadavg)" >&2
  read -r rps p99 cpu < <(run_wrk "$DURATION" "$nginx_port" $nginx_workers); nginx_rps+=("$rps"); nginx_p99+=("$p99"); nginx_cpu+=("$cpu")
  echo "bench: round $round nginx    rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu load=$(cut -d' ' -f1 /proc/loadavg)" >&2
  read -r rps p99 cpu < <(run_wrk "$DURATION" "$nginx1_port" $nginx1_workers); nginx1_rps+=("$rps"); nginx1_p99+=("$p99"); nginx1_cpu+=("$cpu")
  echo "bench: round $round nginx-1w rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu load=$(cut -d' ' -f1 /proc/loadavg)" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
g_rps=$(median "${gateway_rps[@]}"); n_rps=$(median "${nginx_rps[@]}")
g_p99=$(median "${gateway_p99[@]}"); n_p99=$(median "${nginx_p99[@]}")
g_cpu=$(median "${gateway_cpu[@]}"); n_cpu=$(median "${nginx_cpu[@]}")
echo "RESULT gateway_rps=$g_rps"
echo "RESULT nginx_rps=$n_rps"
echo "RESULT ratio_vs_nginx=$(awk -v g="$g_rps" -v n="$n_rps" 'BEGIN { printf "%.3f", g / n }')"
echo "RESULT gateway_p99_ms=$g_p99"
echo "RESULT nginx_p99_ms=$n_p99"
echo "RESULT gateway_cpu_us_per_req=$g_cpu"
echo "RESULT nginx_cpu_us_per_req=$n_cpu"
echo "RESULT cpu_ratio_vs_nginx=$(awk -v g="$g_cpu" -v n="$n_cpu" 'BEGIN { printf "%.3f", n / g }')"
echo "RESULT nginx_1w_rps=$(median "${nginx1_rps[@]}")"
echo "RESULT nginx_1w_p99_ms=$(median "${nginx1_p99[@]}")"
echo "RESULT nginx_1w_cpu_us_per_req=$(median "${nginx1_cpu[@]}")"
echo "RESULT load_average=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')"

# Route convergence: a real route feed server publishes a change, the gateway's first answer from
# the new replica ends the sample (100 replica swaps after 3 warm-up ones). Gateway side only: the control plane's own
# time from "replica healthy" to "table published" adds to it end to end.
# bench/route-convergence.sh measures it end to end (control plane, agents and gateway as processes).
if [[ $CONVERGENCE == 1 ]]; then
  echo "bench: measuring route convergence (tests/Gateway.Tests, RouteConvergenceTests)" >&2
  GATEWAY_CONVERGENCE_RESULTS="$work/convergence.txt" dotnet test tests/Gateway.Tests/Gateway.Tests.csproj -c Release \
    --filter "FullyQualifiedName~RouteConvergenceTests" -nologo -v:q >"$work/convergence.log" 2>&1 \
    || { cat "$work/convergence.log" >&2; exit 1; }
  cat "$work/convergence.txt"
fi
