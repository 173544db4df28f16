-- The audit trail's look-ups by target, with indexes whose upkeep stays local.
--
-- events_target_idx (target_table, target_id) took every event at a random place: target ids are
-- uuids and object names, so each append touched a leaf page of a B-tree as large as the trail,
-- seldom in memory once the trail grows. At 1 M events that page was most of an event's cost
-- (about 30 µs of 70; docs/BENCHMARKS.md), and purges and erasures append hundreds at a time.
-- It is replaced by the two indexes the look-ups need:
--   * events_org_target_idx (org_id, target_table, target_id): "what happened to this survey,
--     response or object of this organisation". An organisation's entries sit together, so a
--     batch of one organisation's events touches a few pages of its own;
--   * events_account_target_idx (target_id) for the account events only (the 24-hour limit on
--     erasure requests, the data-subject ledger, the compliance report), which are few.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

-- `if not exists`: on a large trail ops may build the two indexes beforehand with
-- `create index concurrently` (same names and definitions), so this migration does not block
-- appends while they build. A concurrent build that failed leaves an invalid index under the
-- name, which `if not exists` would take for done: refuse it, before the old index goes.
do $$
declare
  v_invalid text := (
    select string_agg(c.relname, ', ' order by c.relname)
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 'audit.events'::regclass and not i.indisvalid
      and c.relname in ('events_org_target_idx', 'events_account_target_idx'));
begin
  if v_invalid is not null then
    raise exception 'invalid index on audit.events: %', v_invalid
      using errcode = '55000',
        hint = 'A concurrent build failed: drop the index and build it again, then push.';
  end if;
end;
$$;
create index if not exists events_org_target_idx
  on audit.events (org_id, target_table, target_id);
create index if not exists events_account_target_idx on audit.events (target_id)
  where action in ('account.erasure_requested', 'account.erasure_cancelled', 'account.erased');
drop index if exists audit.events_target_idx;

reset role;
revoke cluso_audit_owner from postgres;
