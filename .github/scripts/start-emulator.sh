#!/usr/bin/env bash
# Starts one of the repository's emulators in the background for the rest of the job and waits
# (bounded) until it answers, so the steps after it can run the actions against it.
# Usage: start-emulator.sh aws|github PORT [--scenario FILE]
set -euo pipefail
kind="$1"
port="$2"
shift 2
log="${RUNNER_TEMP:-/tmp}/$kind-emulator.log"
nohup npm run emulator -- "$kind" --port "$port" "$@" >"$log" 2>&1 &
for _ in $(seq 1 90); do
  # Both emulators serve their call log once they listen.
  if curl --silent --fail --max-time 2 "http://127.0.0.1:$port/_emulator/calls" >/dev/null; then
    echo "The $kind emulator answers on http://127.0.0.1:$port (log: $log)."
    exit 0
  fi
  sleep 1
done
echo "::error title=Emulator did not start::The $kind emulator did not answer on port $port within 90 s."
cat "$log"
exit 1
