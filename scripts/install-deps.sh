#!/usr/bin/env bash
# Installs the Debian packages Flotilla and its tests use, only those that are missing.
# Idempotent; run as root. Usage: scripts/install-deps.sh
set -euo pipefail

packages=(
  runc              # reference OCI runtime (conformance tests, runtime = runc configuration)
  docker.io         # engine for Testcontainers and the docker CLI tests/benchmarks
  docker-registry   # local OCI distribution registry
  redis-server      # Redis for cluster mode and its Testcontainers image
  busybox-static    # the source of every test and demo image
  skopeo            # cross-checks image layouts against a second implementation
  iproute2 iptables # netns hosts, bridges, published ports
  nftables          # the agent's published-port and masquerade rules (nft)
  conntrack         # drops a removed container's connection-tracking entries
  wrk hyperfine     # benchmarks
  linux-perf        # bench/gateway.sh: syscalls and context switches per proxied request
  nginx-light       # gateway benchmark reference
  zstd jq curl ca-certificates bc
  gcc libc6-dev zlib1g-dev  # NativeAOT links the runtime (static: libc.a), the agent and the CLI with them
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
