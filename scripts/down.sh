#!/usr/bin/env bash
# Stops what scripts/up.sh started. Idempotent.
set -euo pipefail
run=/run/flotilla/up
for name in gateway nodeagent controlplane; do
  pidfile="$run/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "down: stopped $name"
  fi
  rm -f "$pidfile"
done
