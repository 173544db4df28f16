#!/usr/bin/env bash
# The local mail catcher: maildev (npm), as `supabase start` runs one. It accepts SMTP on
# $MAILDEV_SMTP_PORT and shows what it caught through its REST API on $MAILDEV_WEB_PORT
# (GET /email, DELETE /email/all, GET /healthz). Started by up.sh and stopped by down.sh; the
# mail tests also stop and start it to prove that mail waits in the outbox while it is down.
# Usage: maildev.sh start|stop|status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STACK_ROOT"

pid_file="$STACK_DIR/maildev.pid"
log_file="$STACK_DIR/maildev.log"

maildev_is_up() { curl -fsS "$MAILDEV_URL/healthz" >/dev/null 2>&1; }

start() {
  maildev_is_up && return 0
  [ -x "$MAILDEV" ] || die "maildev is not installed (npm ci)"
  log "starting maildev: SMTP 127.0.0.1:$MAILDEV_SMTP_PORT, API $MAILDEV_URL"
  mkdir -p "$STACK_DIR/maildev"
  nohup "$MAILDEV" --ip 127.0.0.1 --smtp "$MAILDEV_SMTP_PORT" --web "$MAILDEV_WEB_PORT" \
    --mail-directory "$STACK_DIR/maildev" --silent \
    >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  local i
  for i in $(seq 1 100); do maildev_is_up && return 0; sleep 0.2; done
  cat "$log_file" >&2
  die "maildev did not start"
}

stop() {
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  kill "$pid" 2>/dev/null || true
  # Wait until the SMTP port is really closed, so a caller that stops it sees mail refused.
  local i
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) maildev_is_up ;;
  *) die "usage: maildev.sh start|stop|status" ;;
esac
