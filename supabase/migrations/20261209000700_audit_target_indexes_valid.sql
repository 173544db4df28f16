-- The audit trail's target indexes are valid wherever 20261206000300 was applied.
--
-- 20261206000300_audit_target_indexes.sql creates events_org_target_idx and
-- events_account_target_idx `if not exists`, so that ops may build them beforehand with
-- `create index concurrently`. A concurrent build that failed leaves an invalid index under the
-- name, which `if not exists` takes for done: the trail would then be left without its look-up
-- indexes, the old one already dropped. A later session wrote a guard for that into the landed
-- migration itself, which ops who had already pushed it never ran; that edit is undone, and the
-- repair is here: an invalid one of the two is rebuilt (REINDEX, under the trail's lock for as
-- long as the build takes; a valid one is left alone, so this is a no-op almost everywhere).
--
-- The same session's other edits of landed migrations need nothing here: the short-code checks of
-- 20261206000100 end validated either way (20261206000500 validates them, a no-op where they
-- already were), and audit.lock_chains, edited in 20261206000400, is defined anew by
-- 20261209000100_audit_append_cheaper.sql.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

do $$
declare
  v_index text;
begin
  for v_index in
    select c.relname
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 'audit.events'::regclass and not i.indisvalid
      and c.relname in ('events_org_target_idx', 'events_account_target_idx')
    order by c.relname
  loop
    raise notice 'rebuilding the invalid index audit.%', v_index;
    execute format('reindex index audit.%I', v_index);
  end loop;
end;
$$;

reset role;
revoke cluso_audit_owner from postgres;
