# shellcheck shell=bash
# Settings of the local stand-in stack, sourced by every script that targets it.
# Every value can be overridden from the environment, so the same scripts and tests run
# against `supabase start` (where Docker exists) or a hosted project's connection settings.

STACK_ROOT="${STACK_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
STACK_DIR="${STACK_DIR:-$STACK_ROOT/.local}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# As root, the cluster runs as the `postgres` OS user (PostgreSQL refuses root), which may not be
# able to reach a checkout under a private home folder: then its files live under /var/tmp.
PG_STATE_DIR="${PG_STATE_DIR:-$STACK_DIR}"
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$STACK_ROOT" 2>/dev/null; then
  PG_STATE_DIR="/var/tmp/cluso-stack-$(printf %s "$STACK_DIR" | md5sum | cut -c1-12)"
fi
PGDATA_DIR="$PG_STATE_DIR/pg"
PG_SOCKET_DIR="$PG_STATE_DIR/run"
PG_LOG_DIR="$PG_STATE_DIR/log"
DB_PORT="${DB_PORT:-54322}"
API_PORT="${API_PORT:-54321}"
# Beside the API port by default (54330 for the default stack), so stacks run side by side (each
# with its own STACK_DIR and ports) never share one anchor sink.
ANCHOR_PORT="${ANCHOR_PORT:-$((API_PORT + 9))}"
DB_NAME=postgres
# Local-only passwords of a throwaway cluster bound to 127.0.0.1; never used elsewhere.
DB_PASSWORD="${DB_PASSWORD:-postgres}"
# The same local-development JWT secret `supabase start` uses; local only.
export JWT_SECRET="${JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}"

DB_URL="${DB_URL:-postgresql://postgres:$DB_PASSWORD@127.0.0.1:$DB_PORT/$DB_NAME}"
ADMIN_DB_URL="postgresql://supabase_admin:$DB_PASSWORD@127.0.0.1:$DB_PORT/$DB_NAME"
STORAGE_DB_URL="postgresql://supabase_storage_admin:$DB_PASSWORD@127.0.0.1:$DB_PORT/$DB_NAME"
API_URL="${API_URL:-http://127.0.0.1:$API_PORT}"
STACK_ENV_FILE="$STACK_DIR/stack.env"
# The anchor sink stand-in (scripts/stack/anchor-sink): its URL, its append-only file, and the
# local-only tokens it requires on writes and on reads (so the jobs' AUDIT_ANCHOR_TOKEN and the
# verifier's AUDIT_ANCHOR_READ_TOKEN paths are exercised; neither token does the other's job).
ANCHOR_SINK_URL="http://127.0.0.1:$ANCHOR_PORT"
ANCHOR_SINK_FILE="$STACK_DIR/anchors.jsonl"
ANCHOR_SINK_TOKEN="local-anchor-sink-token"
ANCHOR_SINK_READ_TOKEN="local-anchor-sink-read-token"
# The local mail catcher (scripts/stack/maildev.sh): SMTP and its web API, next to the API port.
MAILDEV_SMTP_PORT="${MAILDEV_SMTP_PORT:-$((API_PORT + 4))}"
MAILDEV_WEB_PORT="${MAILDEV_WEB_PORT:-$((API_PORT + 5))}"
MAILDEV_URL="${MAILDEV_URL:-http://127.0.0.1:$MAILDEV_WEB_PORT}"

export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null)}"
export DENO_NO_UPDATE_CHECK=1
DENO="$STACK_ROOT/node_modules/.bin/deno"
SUPABASE="$STACK_ROOT/node_modules/.bin/supabase"
MAILDEV="$STACK_ROOT/node_modules/.bin/maildev"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# PostgreSQL refuses to run as root; as root the cluster belongs to the `postgres` OS user.
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_admin() { psql "$ADMIN_DB_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The Node.js range of package.json's "engines": the strictest that a dependency declares
# (^20.19.0 || >=22.12.0). Checked before anything runs, so an older Node fails here, by name,
# instead of somewhere inside npm ci, the Supabase CLI or the type generator.
require_supported_node() {
  local version major minor
  version=$(node --version 2>/dev/null) || die "Node.js is not installed; this project needs 20.19+ or 22.12+"
  version=${version#v} major=${version%%.*} minor=${version#*.} minor=${minor%%.*}
  if [ "$major" -gt 22 ] || { [ "$major" = 22 ] && [ "$minor" -ge 12 ]; } ||
    { [ "$major" = 20 ] && [ "$minor" -ge 19 ]; }; then
    return 0
  fi
  die "Node.js $version is not supported: this project needs 20.19+ or 22.12+ (package.json engines)"
}
require_supported_node
