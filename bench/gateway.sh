#!/usr/bin/env bash
# Flotilla's gateway vs nginx as a reverse proxy, side by side: the same upstream (an nginx
# worker answering a fixed 20-byte body), the same load generator (wrk, HTTP/1.1 keep-alive on
# loopback), the same connection count, rounds interleaved. Prints medians as RESULT lines.
# Everything shares the host's cores, so besides rps it prints the CPU time each proxy spent per
# request (utime+stime of its processes over a round / requests): the figure that decides rps on a
# small host, and one that the other processes' load disturbs less than rps.
# nginx_1w_* (informational): the same nginx config with worker_processes 1.
# Reference points (informational), each its own process with the gateway's runtime settings, to
# show where the gateway's CPU per request goes: kestrel_direct_* (Kestrel answering the same body
# itself: the server side alone), kestrel_httpclient_* (Kestrel + a pooled HttpMessageInvoker that
# copies status, headers and body by hand: the floor of a .NET proxy) and yarp_forwarder_* (YARP's
# IHttpForwarder called directly: no routes, clusters, load balancing, health checks or our middleware).
# Usage: bench/gateway.sh   (env: DURATION=10 CONNECTIONS=64 THREADS=2 ROUNDS=3 WARMUP=30 CONVERGENCE=1,
#        REFERENCES=1, GATEWAY_ENV="DOTNET_gcServer=0 ..." to try runtime settings on the gateway alone)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-30}
CONVERGENCE=${CONVERGENCE:-1}
REFERENCES=${REFERENCES:-1}
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
direct_port=$(free_port); httpclient_port=$(free_port); forwarder_port=$(free_port)

echo "bench: publishing the gateway (Release)" >&2
dotnet publish src/Gateway/Gateway.csproj -c Release -o "$work/gateway" -nologo -v:q >&2

if [[ $REFERENCES == 1 ]]; then
  echo "bench: publishing the reference proxies (Release)" >&2
  mkdir -p "$work/reference"
  # Outside the repository on purpose: its build props (analyzers, central versions) are the
  # product's, this is a throwaway measuring device. The Yarp.ReverseProxy version is the gateway's.
  yarp_version=$(sed -n 's|.*PackageVersion Include="Yarp.ReverseProxy" Version="\([^"]*\)".*|\1|p' Directory.Packages.props)
  cat > "$work/reference/Reference.csproj" <<'CSPROJ'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ServerGarbageCollector>true</ServerGarbageCollector>
    <ConcurrentGarbageCollection>false</ConcurrentGarbageCollection>
    <TieredPGO>true</TieredPGO>
  </PropertyGroup>
  <ItemGroup>
    <RuntimeHostConfigurationOption Include="System.Threading.ThreadPool.UnfairSemaphoreSpinLimit" Value="0" />
    <RuntimeHostConfigurationOption Include="System.Net.Http.EnableActivityPropagation" Value="false" />
    <PackageReference Include="Yarp.ReverseProxy" Version="YARP_VERSION" />
  </ItemGroup>
</Project>
CSPROJ
  sed -i "s|YARP_VERSION|$yarp_version|" "$work/reference/Reference.csproj"
  cat > "$work/reference/Program.cs" <<'CSHARP'
// Reference points for bench/gateway.sh: the same runtime settings as the gateway, without its
// routing and features. Modes: direct (Kestrel answers itself), httpclient (Kestrel + a pooled
// HttpMessageInvoker copying status, headers and body by hand; no request body, the bench sends
// GETs), forwarder (YARP's IHttpForwarder called directly, no routes, clusters, load balancing or
// health checks). Both proxies add the X-Forwarded-For/Proto/Host headers the gateway and nginx add.
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Yarp.ReverseProxy.Forwarder;

var mode = args[0];
var port = int.Parse(args[1]);
var upstream = args.Length > 2 ? args[2] : "";

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => { k.AddServerHeader = false; k.Listen(IPAddress.Loopback, port); });
builder.Services.Configure<SocketTransportOptions>(s => s.WaitForDataBeforeAllocatingBuffer = false);
if (mode == "forwarder")
{
    builder.Services.AddHttpForwarder();
}

var app = builder.Build();
var handler = new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    ActivityHeadersPropagator = null,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
};
var client = new HttpMessageInvoker(handler);
var body = "hello from upstream\n"u8.ToArray();

switch (mode)
{
    case "direct":
        app.Run(context =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        break;
    case "httpclient":
        var hopByHop = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
        };
        app.Run(async context =>
        {
            var request = context.Request;
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), upstream + request.Path + request.QueryString)
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            foreach (var header in request.Headers)
            {
                if (!hopByHop.Contains(header.Key))
                {
                    message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value!);
                }
            }

            message.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
            message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
            message.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
            using var response = await client.SendAsync(message, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers)
            {
                if (!hopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            foreach (var header in response.Content.Headers)
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        break;
    case "forwarder":
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var transformer = new ForwardedHeadersTransformer();
        var config = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        app.Run(async context => await forwarder.SendAsync(context, upstream, client, config, transformer));
        break;
    default:
        throw new ArgumentException($"unknown mode '{mode}' (direct, httpclient, forwarder)");
}

app.Run();

// The same X-Forwarded-* headers as the gateway's (YARP's defaults) and nginx's config.
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", httpContext.Connection.RemoteIpAddress?.ToString());
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", httpContext.Request.Host.Value);
        proxyRequest.Headers.Host = null;
    }
}
CSHARP
  dotnet publish "$work/reference/Reference.csproj" -c Release -o "$work/reference/bin" -nologo -v:q >&2
fi

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

if [[ $REFERENCES == 1 ]]; then
  "$work/reference/bin/Reference" direct "$direct_port" >"$work/direct.log" 2>&1 & pids+=($!); direct_pid=$!
  "$work/reference/bin/Reference" httpclient "$httpclient_port" "http://127.0.0.1:$upstream_port" >"$work/httpclient.log" 2>&1 & pids+=($!); httpclient_pid=$!
  "$work/reference/bin/Reference" forwarder "$forwarder_port" "http://127.0.0.1:$upstream_port" >"$work/forwarder.log" 2>&1 & pids+=($!); forwarder_pid=$!
fi

wait_http "http://127.0.0.1:$upstream_port/"
wait_http "http://127.0.0.1:$nginx_port/"
wait_http "http://127.0.0.1:$nginx1_port/"
wait_http "http://127.0.0.1:$gateway_port/"
[[ $(curl -fsS "http://127.0.0.1:$gateway_port/") == "hello from upstream" ]] || { echo "bench: gateway does not proxy" >&2; exit 1; }
if [[ $REFERENCES == 1 ]]; then
  for port in "$direct_port" "$httpclient_port" "$forwarder_port"; do
    wait_http "http://127.0.0.1:$port/"
    [[ $(curl -fsS "http://127.0.0.1:$port/") == "hello from upstream" ]] || { echo "bench: reference on port $port does not answer the upstream's body" >&2; exit 1; }
  done
fi

# CPU ticks of the given processes (all threads), from /proc/<pid>/stat: "utime stime".
cpu_ticks() { local user=0 sys=0 u k; for pid in "$@"; do read -r u k < <(awk '{ print $14, $15 }' "/proc/$pid/stat"); user=$((user + u)); sys=$((sys + k)); done; echo "$user $sys"; }
clk_tck=$(getconf CLK_TCK)

# wrk prints "N requests in", "Requests/sec: N" and, with --latency, "99% 1.23ms"; one line out:
# "rps p99_ms cpu_us_per_request kernel_us_per_request" (CPU of the processes given after the port;
# the kernel part is their stime: syscalls, TCP, epoll, scheduling).
run_wrk() {
  local duration=$1 port=$2; shift 2
  local user_before sys_before user_after sys_after
  read -r user_before sys_before < <(cpu_ticks "$@")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration"s --latency "http://127.0.0.1:$port/" >"$work/wrk.out"
  read -r user_after sys_after < <(cpu_ticks "$@")
  awk -v user=$((user_after - user_before)) -v sys=$((sys_after - sys_before)) -v hz="$clk_tck" '
    /requests in/ { n = $1 }
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" { v = $2; unit = v; gsub(/[0-9.]/, "", unit); gsub(/[a-z]/, "", v);
                  ms = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : v }
    /Non-2xx|Socket errors/ { errors = errors $0 " " }
    END { printf "%s %s %.1f %.1f\n", rps, ms, (user + sys) * 1000000 / hz / n, sys * 1000000 / hz / n; if (errors != "") print "bench: " errors > "/dev/stderr" }' "$work/wrk.out"
}

# Steady state is what a long-running gateway lives in: tiered JIT with dynamic PGO (an instrumented
# tier, then the optimized one) needs tens of seconds under load on a busy 2-core host before the hot
# path is fully optimized (CPU per request still fell from round to round with 15 s).
nginx_workers=$(pgrep -P "$nginx_master" | tr '\n' ' '); nginx1_workers=$(pgrep -P "$nginx1_master" | tr '\n' ' ')
echo "bench: warming up (JIT, connection pools)" >&2
run_wrk "$WARMUP" "$gateway_port" "$gateway_pid" >/dev/null
run_wrk 3 "$nginx_port" $nginx_workers >/dev/null
run_wrk 3 "$nginx1_port" $nginx1_workers >/dev/null
if [[ $REFERENCES == 1 ]]; then
  run_wrk "$WARMUP" "$direct_port" "$direct_pid" >/dev/null
  run_wrk "$WARMUP" "$httpclient_port" "$httpclient_pid" >/dev/null
  run_wrk "$WARMUP" "$forwarder_port" "$forwarder_pid" >/dev/null
fi

gateway_rps=(); gateway_p99=(); gateway_cpu=(); gateway_kernel=(); nginx_rps=(); nginx_p99=(); nginx_cpu=(); nginx_kernel=(); nginx1_rps=(); nginx1_p99=(); nginx1_cpu=()
direct_rps=(); direct_cpu=(); direct_kernel=(); httpclient_rps=(); httpclient_cpu=(); httpclient_kernel=(); forwarder_rps=(); forwarder_cpu=(); forwarder_kernel=()
for round in $(seq 1 "$ROUNDS"); do
  read -r rps p99 cpu kernel < <(run_wrk "$DURATION" "$gateway_port" "$gateway_pid"); gateway_rps+=("$rps"); gateway_p99+=("$p99"); gateway_cpu+=("$cpu"); gateway_kernel+=("$kernel")
  echo "bench: round $round gateway  rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu kernel_us_per_req=$kernel load=$(cut -d' ' -f1 /proc/loadavg)" >&2
  read -r rps p99 cpu kernel < <(run_wrk "$DURATION" "$nginx_port" $nginx_workers); nginx_rps+=("$rps"); nginx_p99+=("$p99"); nginx_cpu+=("$cpu"); nginx_kernel+=("$kernel")
  echo "bench: round $round nginx    rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu kernel_us_per_req=$kernel load=$(cut -d' ' -f1 /proc/loadavg)" >&2
  read -r rps p99 cpu kernel < <(run_wrk "$DURATION" "$nginx1_port" $nginx1_workers); nginx1_rps+=("$rps"); nginx1_p99+=("$p99"); nginx1_cpu+=("$cpu")
  echo "bench: round $round nginx-1w rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu kernel_us_per_req=$kernel load=$(cut -d' ' -f1 /proc/loadavg)" >&2
  if [[ $REFERENCES == 1 ]]; then
    read -r rps p99 cpu kernel < <(run_wrk "$DURATION" "$direct_port" "$direct_pid"); direct_rps+=("$rps"); direct_cpu+=("$cpu"); direct_kernel+=("$kernel")
    echo "bench: round $round kestrel-direct     rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu kernel_us_per_req=$kernel load=$(cut -d' ' -f1 /proc/loadavg)" >&2
    read -r rps p99 cpu kernel < <(run_wrk "$DURATION" "$httpclient_port" "$httpclient_pid"); httpclient_rps+=("$rps"); httpclient_cpu+=("$cpu"); httpclient_kernel+=("$kernel")
    echo "bench: round $round kestrel-httpclient rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu kernel_us_per_req=$kernel load=$(cut -d' ' -f1 /proc/loadavg)" >&2
    read -r rps p99 cpu kernel < <(run_wrk "$DURATION" "$forwarder_port" "$forwarder_pid"); forwarder_rps+=("$rps"); forwarder_cpu+=("$cpu"); forwarder_kernel+=("$kernel")
    echo "bench: round $round yarp-forwarder     rps=$rps p99_ms=$p99 cpu_us_per_req=$cpu kernel_us_per_req=$kernel load=$(cut -d' ' -f1 /proc/loadavg)" >&2
  fi
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
echo "RESULT gateway_kernel_us_per_req=$(median "${gateway_kernel[@]}")"
echo "RESULT nginx_kernel_us_per_req=$(median "${nginx_kernel[@]}")"
echo "RESULT cpu_ratio_vs_nginx=$(awk -v g="$g_cpu" -v n="$n_cpu" 'BEGIN { printf "%.3f", n / g }')"
echo "RESULT nginx_1w_rps=$(median "${nginx1_rps[@]}")"
echo "RESULT nginx_1w_p99_ms=$(median "${nginx1_p99[@]}")"
echo "RESULT nginx_1w_cpu_us_per_req=$(median "${nginx1_cpu[@]}")"
if [[ $REFERENCES == 1 ]]; then
  echo "RESULT kestrel_direct_rps=$(median "${direct_rps[@]}")"
  echo "RESULT kestrel_direct_cpu_us_per_req=$(median "${direct_cpu[@]}")"
  echo "RESULT kestrel_direct_kernel_us_per_req=$(median "${direct_kernel[@]}")"
  echo "RESULT kestrel_httpclient_rps=$(median "${httpclient_rps[@]}")"
  echo "RESULT kestrel_httpclient_cpu_us_per_req=$(median "${httpclient_cpu[@]}")"
  echo "RESULT kestrel_httpclient_kernel_us_per_req=$(median "${httpclient_kernel[@]}")"
  echo "RESULT yarp_forwarder_rps=$(median "${forwarder_rps[@]}")"
  echo "RESULT yarp_forwarder_cpu_us_per_req=$(median "${forwarder_cpu[@]}")"
  echo "RESULT yarp_forwarder_kernel_us_per_req=$(median "${forwarder_kernel[@]}")"
fi
# Syscalls and context switches per request (informational; needs perf from linux-perf): where a
# .NET proxy spends kernel time nginx does not (a receive that finds no data before each epoll wait,
# thread-pool wake-ups).
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -p "$gateway_pid" -- sleep 0.1 >/dev/null 2>&1; then
  count_kernel() { # name port pids...
    local name=$1 port=$2; shift 2
    perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$(tr ' ' ',' <<<"$*" | sed 's/,*$//')" -o "$work/$name.perf" -- sleep 5 &
    local perf_pid=$!
    wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "http://127.0.0.1:$port/" >"$work/$name.wrk"
    wait "$perf_pid"
    awk -F, -v n="$(awk '/requests in/ { print $1 }' "$work/$name.wrk")" -v name="$name" '
      $3 == "raw_syscalls:sys_enter" { printf "RESULT %s_syscalls_per_req=%.2f\n", name, $1 / n }
      $3 == "context-switches" { printf "RESULT %s_context_switches_per_req=%.2f\n", name, $1 / n }' "$work/$name.perf"
  }
  count_kernel gateway "$gateway_port" "$gateway_pid"
  count_kernel nginx "$nginx_port" $nginx_workers
  if [[ $REFERENCES == 1 ]]; then count_kernel yarp_forwarder "$forwarder_port" "$forwarder_pid"; fi
else
  echo "bench: perf (linux-perf) is missing or not permitted: no syscall counts" >&2
fi
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
