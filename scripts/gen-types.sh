#!/usr/bin/env bash
# Generates the database's TypeScript types with @supabase/postgres-meta, the generator behind
# `supabase gen types typescript`, formatted by deno fmt so the committed file stays stable.
# Schemas public and private: the scheduled jobs call private.* functions over a direct
# connection, and their arguments and row shapes are checked against these types.
# Usage: gen-types.sh [OUTPUT]   (default supabase/functions/_shared/database.types.ts; - for stdout)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack/env.sh"
cd "$STACK_ROOT"
out="${1:-supabase/functions/_shared/database.types.ts}"
types=$(PG_META_GENERATE_TYPES=typescript PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS=public,private \
  PG_META_DB_URL="$DB_URL" node node_modules/@supabase/postgres-meta/dist/server/server.js 2>/dev/null)
[ -n "$types" ] || die "postgres-meta generated no types (is the database up at $DB_URL?)"
# Formatted in place (not through stdin) so deno.json's fmt settings apply, as in `deno fmt --check`.
tmp="$(mktemp -d)/database.types.ts"
printf '%s\n' "$types" >"$tmp"
"$DENO" fmt --quiet --config "$STACK_ROOT/deno.json" "$tmp"
if [ "$out" = - ]; then cat "$tmp"; else cp "$tmp" "$out"; fi
rm -rf "$(dirname "$tmp")"
