#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock (Testcontainers and the docker CLI
# tests need one). Starts dockerd in the background when none runs; idempotent.
set -euo pipefail

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  exit 0
fi

log=${FLOTILLA_DOCKERD_LOG:-/var/log/flotilla-dockerd.log}
echo "start-docker: starting dockerd (log: $log)"
if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  systemctl start docker
else
  # A dockerd killed with its machine's session leaves its pid file; if that pid now names
  # another process, a new dockerd would refuse to start.
  pidfile=/var/run/docker.pid
  if [[ -f "$pidfile" ]] && ! grep -qs dockerd "/proc/$(cat "$pidfile")/comm"; then
    rm -f "$pidfile"
  fi
  nohup dockerd >"$log" 2>&1 </dev/null &
  dockerd_pid=$!
fi
for _ in $(seq 1 60); do
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && { echo "start-docker: engine up"; exit 0; }
  if [[ -n "${dockerd_pid:-}" ]] && ! kill -0 "$dockerd_pid" 2>/dev/null; then break; fi
  sleep 0.5
done
echo "start-docker: dockerd did not come up; last lines of $log:" >&2
tail -20 "$log" >&2 || true
exit 1
