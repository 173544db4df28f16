#!/usr/bin/env bash
# `npm start`: the main job on the local stack. Brings the stack up (installing what it needs
# on a fresh machine), applies migrations and seed, uploads the seed's recordings, runs one pass
# of every scheduled job exactly as cron would invoke it, checks the audit chains (against the
# anchor sink's heads, as scripts/audit-verify.ts does) and the recordings bucket, and prints a
# short summary (scripts/lib/job-summary.ts).
#   npm start [-- --json]   --json (or CLUSO_OUTPUT=json): one JSON document {jobs, checks} instead
#                           CLUSO_LOGS=1: the functions' own structured logs on stderr
# Progress goes to stderr; stdout carries only the summary (or the JSON).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack/env.sh"
cd "$STACK_ROOT"

bash scripts/stack/up.sh
"$DENO" run --quiet -A scripts/seed-storage.ts

# Every job scheduled by the migrations (cron.job), in name order.
jobs=$(psql "$DB_URL" -X -At -c "
  select substring(command from 'job_invoke\(''([a-z0-9-]+)''') from cron.job
  where jobname like 'cluso-%' and command ~ 'job_invoke\(' order by jobname")
log "running each scheduled job once: $(echo $jobs)"
# shellcheck disable=SC2086 # one argument per job name
exec "$DENO" run --quiet -A scripts/lib/start-jobs.ts "$@" $jobs
