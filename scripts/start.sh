#!/usr/bin/env bash
# `npm start`: the main job on the local stack. Brings the stack up (installing what it needs
# on a fresh machine), applies migrations and seed, uploads the seed's recordings, runs one pass
# of every scheduled job exactly as cron would invoke it, and prints what each did.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack/env.sh"
cd "$STACK_ROOT"

bash scripts/stack/up.sh
"$DENO" run --quiet -A scripts/seed-storage.ts

# Every job scheduled by the migrations (cron.job), run once through its Edge Function handler.
jobs=$(psql "$DB_URL" -X -At -c "
  select substring(command from 'invoke_edge_function\(''([a-z0-9-]+)''') from cron.job
  where jobname like 'cluso-%' order by jobname")
status=0
for job in $jobs; do
  echo "== $job"
  "$DENO" run --quiet -A scripts/run-job.ts "$job" || status=1
done

echo "== checks"
psql "$DB_URL" -X -At -c "
  select 'audit chains verified: ' || count(*) filter (where ok) || ' ok, '
    || count(*) filter (where not ok) || ' broken' from audit.verify_chains()"
psql "$DB_URL" -X -At -c "
  select 'recordings reconciliation: ' || count(*) || ' problem(s)' from private.reconcile_recordings()"
exit $status
