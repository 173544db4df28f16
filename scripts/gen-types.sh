#!/usr/bin/env bash
# Generates the database's TypeScript types with @supabase/postgres-meta, the generator behind
# `supabase gen types typescript`, formatted by deno fmt so the committed file stays stable.
# Usage: gen-types.sh [OUTPUT]   (default supabase/functions/_shared/database.types.ts; - for stdout)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack/env.sh"
cd "$STACK_ROOT"
out="${1:-supabase/functions/_shared/database.types.ts}"
types=$(PG_META_GENERATE_TYPES=typescript PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS=public \
  PG_META_DB_URL="$DB_URL" node node_modules/@supabase/postgres-meta/dist/server/server.js 2>/dev/null)
[ -n "$types" ] || die "postgres-meta generated no types (is the database up at $DB_URL?)"
formatted=$(printf '%s\n' "$types" | "$DENO" fmt --quiet --ext=ts -)
if [ "$out" = - ]; then printf '%s\n' "$formatted"; else printf '%s\n' "$formatted" >"$out"; fi
