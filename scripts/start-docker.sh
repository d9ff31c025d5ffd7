#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock (Testcontainers and the docker CLI
# tests need one). Starts dockerd in the background when none runs; idempotent.
set -euo pipefail

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  exit 0
fi

log=/var/log/flotilla-dockerd.log
echo "start-docker: starting dockerd (log: $log)"
if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  systemctl start docker
else
  nohup dockerd >"$log" 2>&1 &
fi
for _ in $(seq 1 60); do
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && { echo "start-docker: engine up"; exit 0; }
  sleep 0.5
done
echo "start-docker: dockerd did not come up; last lines of $log:" >&2
tail -20 "$log" >&2 || true
exit 1
