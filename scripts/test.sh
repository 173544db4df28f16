#!/usr/bin/env bash
# `npm test`: every suite against a freshly reset local stack, then one closing line
# `N passed, N failed` (totals over all suites). Exits non-zero when anything failed.
#   1. quality gates: supabase db lint (plpgsql_check), deno check / lint / fmt --check,
#      generated database types up to date;
#   2. pgTAP suites (supabase/tests/database) through pg_prove;
#   3. Deno tests (edge functions against the stack, concurrent sessions racing deletions, the
#      Storage stand-in's own tests).
# Set TEST_NO_RESET=1 to reuse the running stack's database instead of rebuilding it.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack/env.sh"
cd "$STACK_ROOT"

results="$STACK_DIR/test-results"
passed=0 failed=0 skipped=0

# Adds a TAP stream's counts to the totals (`ok` passes, `not ok` fails, `# SKIP` skips) and
# prints them. Not to be called in a subshell: it updates the totals.
count_tap() {
  local tap=$1 p f s
  p=$(grep -cE '^ok [0-9]+' "$tap")
  s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$tap")
  f=$(grep -cE '^not ok [0-9]+' "$tap")
  passed=$((passed + p - s)) failed=$((failed + f)) skipped=$((skipped + s))
  echo "  $((p - s)) passed, $f failed, $s skipped"
}

# A gate is one test: it passes when its command exits 0.
gate() {
  local name=$1; shift
  if "$@" >"$results/gate.log" 2>&1; then
    passed=$((passed + 1)); echo "  ok   $name"
  else
    failed=$((failed + 1)); echo "  FAIL $name"; sed 's/^/       /' "$results/gate.log" | tail -40
  fi
}

types_are_current() {
  bash scripts/gen-types.sh "$results/database.types.ts" &&
    diff -u supabase/functions/_shared/database.types.ts "$results/database.types.ts"
}

echo "== stack"
if [ "${TEST_NO_RESET:-0}" = 1 ]; then bash scripts/stack/up.sh; else bash scripts/stack/up.sh --reset; fi || {
  echo "0 passed, 1 failed"; exit 1;
}
mkdir -p "$results"
set -a; source "$STACK_ENV_FILE"; set +a
# The pgTAP helpers (schema `tests`), in file order: 00_session.sql drops and recreates the schema.
for helpers in supabase/tests/helpers/*.sql; do
  psql "$DB_URL" -X -q -v ON_ERROR_STOP=1 -f "$helpers" >/dev/null 2>"$results/helpers.log" || {
    cat "$results/helpers.log"; echo "0 passed, 1 failed"; exit 1;
  }
done

echo "== quality gates"
gate "supabase db lint: no errors in public, private, audit" \
  "$SUPABASE" db lint --db-url "$DB_URL?sslmode=disable" --schema public,private,audit \
  --level warning --fail-on error
gate "deno check" "$DENO" check --quiet supabase/functions supabase/tests scripts
gate "deno lint" "$DENO" lint --quiet
gate "deno fmt --check" "$DENO" fmt --check --quiet
gate "database.types.ts matches the migrations" types_are_current

echo "== pgTAP (pg_prove)"
PGPASSWORD="$DB_PASSWORD" pg_prove -h 127.0.0.1 -p "$DB_PORT" -U postgres -d "$DB_NAME" \
  --verbose --failures supabase/tests/database/*.test.sql >"$results/pgtap.tap" 2>&1
pg_prove_status=$?
grep -E '^(not ok|# )' "$results/pgtap.tap" | head -60
count_tap "$results/pgtap.tap"
# A file that died or broke its plan: every planned test it did not run counts as failed.
unrun=$(sed -nE 's/.*You planned ([0-9]+) tests? but ran ([0-9]+).*/\1 \2/p' "$results/pgtap.tap" |
  awk '{ n += ($1 > $2) ? $1 - $2 : 0 } END { print n + 0 }')
if [ "$unrun" -gt 0 ]; then
  failed=$((failed + unrun)); echo "  $unrun planned test(s) did not run:"
  grep -E 'planned [0-9]+ tests? but ran|^psql:.*ERROR' "$results/pgtap.tap" | head -20
elif [ $pg_prove_status -ne 0 ] && ! grep -qE '^not ok' "$results/pgtap.tap"; then
  failed=$((failed + 1)); tail -20 "$results/pgtap.tap"
fi

echo "== Deno tests"
[ -x /usr/bin/chromium ] || echo "  skipping the report's browser test: /usr/bin/chromium is absent" \
  "(apt-get install -y chromium; .ci/run installs it)"
"$DENO" test -A --reporter=tap supabase/functions supabase/tests scripts >"$results/deno.tap" 2>&1
deno_status=$?
grep -E '^(not ok|# )' "$results/deno.tap" | head -60
count_tap "$results/deno.tap"
if [ $deno_status -ne 0 ] && ! grep -qE '^not ok' "$results/deno.tap"; then
  failed=$((failed + 1)); tail -30 "$results/deno.tap"
fi

echo
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
