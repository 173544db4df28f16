-- The audit trail's look-ups by target use indexes whose upkeep stays local
-- (20261206000300_audit_target_indexes.sql): an organisation's targets through
-- events_org_target_idx, the account events through the partial events_account_target_idx, and
-- no index takes every event at a random place any more.
begin;
select plan(6);

set local enable_seqscan = off;

-- The indexes of audit.events the plan of p_sql reads (index, index-only and bitmap scans), and
-- 'seq scan' if it reads the table whole.
create function pg_temp.event_indexes(p_sql text)
returns text[]
language plpgsql
as $$
declare
  v_plan jsonb;
begin
  execute 'explain (format json) ' || p_sql into v_plan;
  return array(
    select distinct coalesce(n ->> 'Index Name', 'seq scan')
    from jsonb_path_query(v_plan, 'strict $.**') as n
    where jsonb_typeof(n) = 'object'
      and (n ->> 'Index Name' in (select c.relname::text from pg_index i
                                  join pg_class c on c.oid = i.indexrelid
                                  where i.indrelid = 'audit.events'::regclass)
        or (n ->> 'Node Type' = 'Seq Scan' and n ->> 'Relation Name' = 'events'))
    order by 1);
end;
$$;

select is(
  pg_temp.event_indexes($$
    select count(*) from audit.events e
    where e.target_table = 'auth.users' and e.target_id = gen_random_uuid()::text
      and e.action = 'account.erasure_requested'
      and e.occurred_at > clock_timestamp() - interval '24 hours'$$),
  array['events_account_target_idx'],
  '[AUD-TGT-001] the 24-hour limit on erasure requests reads the account events'' index');
select is(
  pg_temp.event_indexes($$
    select * from audit.events e
    where e.action = 'account.erased' and e.target_id = gen_random_uuid()::text
    order by e.occurred_at desc, e.seq desc limit 1$$),
  array['events_account_target_idx'],
  '[AUD-TGT-002] the data-subject ledger finds an account''s erasure through the same index');
select is(
  pg_temp.event_indexes($$
    select * from audit.events e
    where e.org_id = gen_random_uuid() and e.target_table = 'public.surveys'
      and e.target_id = gen_random_uuid()::text$$),
  array['events_org_target_idx'],
  '[AUD-TGT-003] what happened to a survey of an organisation: the organisation''s targets');
select is(
  pg_temp.event_indexes($$
    select e.target_id, max(e.occurred_at) from audit.events e
    where e.action = 'survey.soft_deleted' and e.target_table = 'public.surveys'
      and (e.org_id, e.target_id) in (values (gen_random_uuid(), gen_random_uuid()::text))
    group by e.target_id$$),
  array['events_org_target_idx'],
  '[AUD-TGT-004] the compliance report''s purge lag finds each soft deletion by organisation and survey');
select bag_eq(
  $$select indexrelid::regclass::text from pg_index where indrelid = 'audit.events'::regclass$$,
  $$values ('audit.events_pkey'), ('audit.events_org_time_idx'), ('audit.events_time_brin'),
      ('audit.events_org_target_idx'), ('audit.events_account_target_idx')$$,
  '[AUD-TGT-005] the trail''s indexes: none keyed by target alone for every event');
select is_empty(
  $$select indexrelid::regclass::text from pg_index
    where indrelid = 'audit.events'::regclass and not (indisvalid and indisready)$$,
  '[AUD-TGT-006] every index of the trail is valid (a failed concurrent build would not be)');

select * from finish();
rollback;
