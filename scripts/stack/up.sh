#!/usr/bin/env bash
# Brings up, idempotently, the local stand-in of a Supabase project (no Docker needed):
#   1. a throwaway PostgreSQL 15 cluster under .local/pg on port $DB_PORT, with pg_cron preloaded;
#   2. Supabase's platform objects (scripts/stack/platform/*.sql), which hosted projects already have;
#   3. this project's migrations and seed, applied by the real Supabase CLI as the
#      non-superuser `postgres`, exactly as ops apply them to a hosted project;
#   4. the Storage API stand-in (scripts/stack/storage-api) on $API_PORT;
#   5. the anchor sink stand-in (scripts/stack/anchor-sink) on $ANCHOR_PORT: where the jobs
#      publish audit chain heads, as they would to the append-only endpoint ops own;
#   6. the mail catcher maildev (scripts/stack/maildev.sh), SMTP on $MAILDEV_SMTP_PORT;
#   7. connection settings in .local/stack.env, named as `supabase status -o env` names them,
#      plus the receipts' Ed25519 key pair (DSR_RECEIPT_PRIVATE_KEY / _PUBLIC_KEY, minted once),
#      plus AUDIT_ANCHOR_URL / AUDIT_ANCHOR_TOKEN, named as the jobs' secrets are, and the
#      verifier's AUDIT_ANCHOR_READ_TOKEN.
# Usage: up.sh [--reset]   --reset drops the database and rebuilds it from the migrations.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STACK_ROOT"

reset=false
[ "${1:-}" = "--reset" ] && reset=true

ensure_system_packages() {
  local missing=()
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/pgtap.control ] || missing+=(postgresql-15-pgtap)
  [ -f /usr/share/postgresql/15/extension/pg_cron.control ] || missing+=(postgresql-15-cron)
  [ -f /usr/share/postgresql/15/extension/plpgsql_check.control ] || missing+=(postgresql-15-plpgsql-check)
  command -v pg_prove >/dev/null || missing+=(libtap-parser-sourcehandler-pgtap-perl)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "first run: installing ${missing[*]} with apt-get (about a minute or two)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing system packages; run: sudo apt-get install ${missing[*]}"
  fi
}

# Extensions that Supabase has and Debian does not package, as local stand-ins
# (scripts/stack/platform/extensions/): copied into PostgreSQL's extension folder.
ensure_standin_extensions() {
  local share=/usr/share/postgresql/15/extension f
  for f in scripts/stack/platform/extensions/*; do
    cmp -s "$f" "$share/$(basename "$f")" && continue
    [ -w "$share" ] || die "cannot install the stand-in extension $(basename "$f") into $share; run as root once"
    install -m 644 "$f" "$share/"
  done
}

ensure_node_modules() {
  if [ ! -x "$SUPABASE" ] || [ ! -x "$DENO" ]; then
    log "first run: npm ci (about 450 MB, Deno and the Supabase CLI included; usually under a minute)"
    npm ci --no-audit --no-fund >/dev/null
  fi
}

ensure_cluster() {
  mkdir -p "$STACK_DIR"
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    log "first run: creating the PostgreSQL 15 cluster in $PGDATA_DIR (a few seconds)"
    mkdir -p "$PGDATA_DIR" "$PG_SOCKET_DIR" "$PG_LOG_DIR"
    local pwfile="$PG_STATE_DIR/.pwfile"
    printf '%s\n' "$DB_PASSWORD" >"$pwfile"
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$PG_STATE_DIR" "$PGDATA_DIR" "$PG_SOCKET_DIR" "$PG_LOG_DIR" "$pwfile"
    fi
    # supabase_admin is the superuser, as on Supabase; `postgres` is created later without SUPERUSER.
    as_pg_owner "$PG_BIN/initdb" -D "$PGDATA_DIR" -U supabase_admin --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  # A cluster started without the settings below (e.g. before the test clock existed) restarts.
  if as_pg_owner "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1 &&
    [ "$(psql "$ADMIN_DB_URL" -X -tAc 'show cluster_name' 2>/dev/null)" != cluso-test-clock ]; then
    log "restarting PostgreSQL as a test cluster"
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -w -t 60 -m fast stop >/dev/null
  fi
  if ! as_pg_owner "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$DB_PORT"
    # cluster_name=cluso-test-clock marks this throwaway cluster as a test cluster: only there
    # does private.current_time() honour the cluso.now override that tests use to move time.
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG_DIR/postgres.log" -w -t 60 start -o \
      "-p $DB_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1 \
       -c shared_preload_libraries=pg_cron,plpgsql_check -c cron.database_name=$DB_NAME \
       -c cluster_name=cluso-test-clock \
       -c cron.use_background_workers=on -c max_worker_processes=32 \
       -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
  fi
}

database_is_built() {
  [ "$(psql "$ADMIN_DB_URL" -X -tAc "select to_regclass('supabase_migrations.schema_migrations') is not null" 2>/dev/null)" = t ]
}

rebuild_database() {
  log "rebuilding database $DB_NAME: platform stand-in, then migrations"
  local template="postgresql://supabase_admin:$DB_PASSWORD@127.0.0.1:$DB_PORT/template1"
  psql "$template" -X -q -v ON_ERROR_STOP=1 -c "drop database if exists $DB_NAME with (force)"
  psql "$template" -X -q -v ON_ERROR_STOP=1 -f scripts/stack/platform/00_roles.sql
  psql "$template" -X -q -v ON_ERROR_STOP=1 -c "create database $DB_NAME owner postgres"
  local f
  for f in scripts/stack/platform/[1-9]*.sql; do
    psql_admin -f "$f" >/dev/null
  done
}

push_migrations() {
  log "applying migrations and seed with the Supabase CLI (as postgres)"
  "$SUPABASE" db push --db-url "$DB_URL?sslmode=disable" --include-all --include-seed --yes \
    >"$STACK_DIR/db-push.log" 2>&1 || { cat "$STACK_DIR/db-push.log" >&2; die "supabase db push failed"; }
}

write_stack_env() {
  local keys receipt_keys="$STACK_DIR/receipt-keys.env"
  keys=$("$DENO" run --quiet --allow-env=JWT_SECRET scripts/stack/mint-keys.ts)
  # The receipts' signing key outlives resets, so receipts issued earlier still verify.
  if [ ! -s "$receipt_keys" ]; then
    "$DENO" run --quiet scripts/stack/mint-receipt-keys.ts >"$receipt_keys.tmp"
    mv "$receipt_keys.tmp" "$receipt_keys"
  fi
  {
    echo "# Written by scripts/stack/up.sh: the local stand-in stack (local-only demo credentials)."
    echo "API_URL=$API_URL"
    echo "DB_URL=$DB_URL"
    echo "STORAGE_URL=$API_URL/storage/v1"
    echo "JWT_SECRET=$JWT_SECRET"
    # The mail catcher: the sender's SMTP target and the API the tests read what it caught from.
    echo "MAILDEV_URL=$MAILDEV_URL"
    echo "MAIL_SMTP_URL=smtp://127.0.0.1:$MAILDEV_SMTP_PORT"
    echo "$keys"
    cat "$receipt_keys"
    if [ "${STACK_SKIP_ANCHOR_SINK:-0}" != 1 ]; then
      echo "AUDIT_ANCHOR_URL=$ANCHOR_SINK_URL/anchors"
      echo "AUDIT_ANCHOR_TOKEN=$ANCHOR_SINK_TOKEN"
      echo "AUDIT_ANCHOR_READ_TOKEN=$ANCHOR_SINK_READ_TOKEN"
    fi
  } >"$STACK_ENV_FILE"
}

storage_api_is_up() { curl -fsS "$API_URL/__standin/health" >/dev/null 2>&1; }

ensure_storage_api() {
  # STACK_SKIP_STORAGE=1: database only (for SQL-only work).
  [ "${STACK_SKIP_STORAGE:-0}" = 1 ] && return 0
  if [ "$reset" = true ] && [ -f "$STACK_DIR/storage-api.pid" ]; then
    kill "$(cat "$STACK_DIR/storage-api.pid")" 2>/dev/null || true
    rm -f "$STACK_DIR/storage-api.pid"; sleep 0.5
    rm -rf "$STACK_DIR/storage"
  fi
  storage_api_is_up && return 0
  log "starting the Storage API stand-in on $API_URL"
  mkdir -p "$STACK_DIR/storage"
  JWT_SECRET="$JWT_SECRET" STORAGE_DB_URL="$STORAGE_DB_URL" STORAGE_PORT="$API_PORT" \
    STORAGE_ROOT="$STACK_DIR/storage" \
    nohup "$DENO" run --quiet --allow-net --allow-env --allow-read --allow-write --allow-sys \
    scripts/stack/storage-api/main.ts >"$STACK_DIR/storage-api.log" 2>&1 &
  echo $! >"$STACK_DIR/storage-api.pid"
  local i
  for i in $(seq 1 100); do storage_api_is_up && return 0; sleep 0.2; done
  cat "$STACK_DIR/storage-api.log" >&2
  die "the Storage API stand-in did not start"
}

# Answers only when the sink on $ANCHOR_PORT is this stack's (its file under $STACK_DIR).
anchor_sink_health() { curl -fsS "$ANCHOR_SINK_URL/health" 2>/dev/null; }
anchor_sink_is_ours() { anchor_sink_health | grep -qF "\"file\":\"$ANCHOR_SINK_FILE\""; }

ensure_anchor_sink() {
  # STACK_SKIP_ANCHOR_SINK=1: no sink; the jobs then leave audit anchors queued.
  [ "${STACK_SKIP_ANCHOR_SINK:-0}" = 1 ] && return 0
  if [ "$rebuilt" = true ]; then
    # A rebuilt database numbers its anchors from 1 again, so the sink starts empty with it.
    if [ -f "$STACK_DIR/anchor-sink.pid" ]; then
      kill "$(cat "$STACK_DIR/anchor-sink.pid")" 2>/dev/null || true
      rm -f "$STACK_DIR/anchor-sink.pid"; sleep 0.5
    fi
    rm -f "$ANCHOR_SINK_FILE"
  fi
  anchor_sink_is_ours && return 0
  anchor_sink_health >/dev/null &&
    die "port $ANCHOR_PORT serves another stack's anchor sink; set ANCHOR_PORT for this stack"
  log "starting the anchor sink stand-in on $ANCHOR_SINK_URL"
  ANCHOR_SINK_PORT="$ANCHOR_PORT" ANCHOR_SINK_FILE="$ANCHOR_SINK_FILE" \
    ANCHOR_SINK_TOKEN="$ANCHOR_SINK_TOKEN" ANCHOR_SINK_READ_TOKEN="$ANCHOR_SINK_READ_TOKEN" \
    nohup "$DENO" run --quiet --allow-net=127.0.0.1 --allow-env --allow-read="$STACK_DIR" \
    --allow-write="$STACK_DIR" scripts/stack/anchor-sink/main.ts >"$STACK_DIR/anchor-sink.log" 2>&1 &
  echo $! >"$STACK_DIR/anchor-sink.pid"
  local i
  for i in $(seq 1 100); do anchor_sink_is_ours && return 0; sleep 0.2; done
  cat "$STACK_DIR/anchor-sink.log" >&2
  die "the anchor sink stand-in did not start"
}

ensure_mail_catcher() {
  # STACK_SKIP_MAIL=1: no mail catcher (the mail tests then skip, saying why).
  [ "${STACK_SKIP_MAIL:-0}" = 1 ] && return 0
  if [ "$reset" = true ]; then
    bash scripts/stack/maildev.sh stop
    rm -rf "$STACK_DIR/maildev"
  fi
  bash scripts/stack/maildev.sh start
}

ensure_system_packages
ensure_standin_extensions
ensure_node_modules
ensure_cluster
rebuilt=false
if [ "$reset" = true ] || ! database_is_built; then rebuild_database; rebuilt=true; fi
push_migrations
write_stack_env
ensure_storage_api
ensure_anchor_sink
ensure_mail_catcher
log "ready: $(grep -E '^(API_URL|DB_URL|AUDIT_ANCHOR_URL)=' "$STACK_ENV_FILE" | tr '\n' ' ')"
