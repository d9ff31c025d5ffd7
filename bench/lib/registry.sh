# Sourced by the benchmarks. start_registry DIR NAME starts Debian's docker-registry on a free
# loopback port with its storage in DIR/registry, and sets registry_pid and address (127.0.0.1:PORT);
# the caller kills registry_pid when it is done. NAME prefixes the error when the registry fails.
start_registry() {
  local dir=$1 who=$2
  mkdir -p "$dir/registry"
  cat >"$dir/registry.yml" <<YML
version: 0.1
log: { level: info, formatter: text }
storage: { filesystem: { rootdirectory: $dir/registry } }
http: { addr: 127.0.0.1:0 }
YML
  /usr/bin/docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
  registry_pid=$!
  address=""
  for _ in $(seq 1 100); do
    address=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$dir/registry.log" | head -1 | awk '{print $3}') || true
    [[ -n $address ]] && return 0
    sleep 0.1
  done
  echo "$who: registry did not start" >&2
  cat "$dir/registry.log" >&2
  return 1
}
