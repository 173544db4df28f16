#!/usr/bin/env bash
# `npm run bench`: rebuilds the local stack's database (it fills it with synthetic data), then
# builds the dataset and runs the benchmarks of scripts/bench/main.ts. See docs/BENCHMARKS.md.
#
# Usage: scripts/bench.sh [--quick | --scale <n>] [--no-reset] [main.ts flags...]
#   --quick       scale 0.05 (50 organisations, 5,000 surveys, 50,000 responses/recordings)
#   --scale <n>   1 (default) = 1,000 organisations, 100,000 surveys, 1,000,000 responses and
#                 1,000,000 recordings
#   --no-reset    reuse the running stack's database instead of `up.sh --reset` (the dataset is
#                 still rebuilt; leftovers of an earlier run skew the figures)
# The stack's location and ports come from the environment as for every stack script
# (STACK_DIR, DB_PORT, API_PORT, DB_URL; see scripts/stack/env.sh). The Storage API stand-in is
# not needed, so STACK_SKIP_STORAGE defaults to 1 here.
# Prints one JSON object per figure on stdout; writes the same array to bench/results.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack/env.sh"
cd "$STACK_ROOT"

reset=true
args=()
for a in "$@"; do
  case "$a" in
    --no-reset) reset=false ;;
    *) args+=("$a") ;;
  esac
done

export STACK_SKIP_STORAGE="${STACK_SKIP_STORAGE:-1}"
if [ "$reset" = true ]; then
  bash scripts/stack/up.sh --reset >&2
else
  bash scripts/stack/up.sh >&2
fi

export DB_URL ADMIN_DB_URL
"$DENO" run --quiet --allow-net=127.0.0.1 --allow-env --allow-read --allow-write=bench \
  --allow-run=psql scripts/bench/main.ts "${args[@]}"
