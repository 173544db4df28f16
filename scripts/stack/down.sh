#!/usr/bin/env bash
# Stops the local stand-in stack (the data stays under .local/ until you delete it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
for standin in storage-api anchor-sink; do
  if [ -f "$STACK_DIR/$standin.pid" ]; then
    kill "$(cat "$STACK_DIR/$standin.pid")" 2>/dev/null || true
    rm -f "$STACK_DIR/$standin.pid"
  fi
done
bash "$(dirname "${BASH_SOURCE[0]}")/maildev.sh" stop
if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop >/dev/null 2>&1 || true
fi
log "stopped"
