-- The audit trail is append-only for every role, its owner included: UPDATE, DELETE, TRUNCATE
-- and direct INSERT on audit.events and audit.chain_heads are refused, and events enter only
-- through audit.record_event(), which itself refuses anything but counts and flags.
begin;
select plan(62);

-- Fixtures (as postgres) ---------------------------------------------------------------------
select tests.create_user('a1000000-0000-4000-8000-000000000001', 'owner-a@example.test');
insert into public.organizations (id, name, created_by) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'Org A', 'a1000000-0000-4000-8000-000000000001');
select tests.add_member('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a1000000-0000-4000-8000-000000000001', 'owner');
select count(audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  'public.surveys', 'd0000000-0000-4000-8000-00000000000' || g, 'user_request',
  jsonb_build_object('questions', g), p_actor_id => 'a1000000-0000-4000-8000-000000000001'))
from generate_series(1, 3) g;
select md5(string_agg(e::text, ',' order by chain_id, seq)) as events_before from audit.events e \gset
select md5(string_agg(h::text, ',' order by chain_id)) as heads_before from audit.chain_heads h \gset

-- The owner role -------------------------------------------------------------------------------------
select ok((select not rolcanlogin and not rolsuper and not rolbypassrls
           from pg_roles where rolname = 'cluso_audit_owner'),
  '[AUD-041] cluso_audit_owner cannot log in, is no superuser and does not bypass RLS');
select is_empty($$select 1 from pg_auth_members where roleid = 'cluso_audit_owner'::regrole$$,
  '[AUD-042] after the migrations nobody is a member of cluso_audit_owner');
select is(
  (select string_agg(c.relname || '=' || pg_get_userbyid(c.relowner), ' ' order by c.relname)
   from pg_class c where c.relnamespace = 'audit'::regnamespace and c.relkind = 'r'),
  'chain_heads=cluso_audit_owner events=cluso_audit_owner',
  '[AUD-043] both audit tables belong to cluso_audit_owner');

-- The test borrows the owner role (postgres has CREATEROLE) just long enough to hand it a
-- SECURITY DEFINER runner: t12.as_owner(sql) runs a statement exactly as `set role
-- cluso_audit_owner` would (triggers, privileges), while pgTAP itself keeps running as postgres.
-- The membership is given back at once, so the postgres rows below test postgres alone (it
-- inherits the roles it belongs to). All of it is rolled back at the end.
create schema t12;
create function t12.as_owner(p_sql text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if current_user <> 'cluso_audit_owner' then
    raise exception 'runner is not the owner';
  end if;
  execute p_sql;
end;
$$;
grant cluso_audit_owner to postgres;
grant create on schema t12 to cluso_audit_owner;
alter function t12.as_owner(text) owner to cluso_audit_owner;
grant execute on function t12.as_owner(text) to postgres;
revoke create on schema t12 from cluso_audit_owner;
revoke cluso_audit_owner from postgres;
select is_empty($$select 1 from pg_auth_members where roleid = 'cluso_audit_owner'::regrole$$,
  '[AUD-062] the borrowed owner membership is given back before any check');

-- As anon ----------------------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok('update audit.events set reason = ''forged'' where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for schema audit',
  '[AUD-001] anon: UPDATE on audit.events is refused');
select throws_ok('delete from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for schema audit',
  '[AUD-002] anon: DELETE on audit.events is refused');
select throws_ok('truncate audit.events',
  '42501', 'permission denied for schema audit',
  '[AUD-003] anon: TRUNCATE on audit.events is refused');
select throws_ok('insert into audit.events select chain_id, seq + 100, occurred_at, action, actor_kind, actor_id, actor_job, org_id, target_table, target_id, reason, request_id, details, prev_hash, hash from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for schema audit',
  '[AUD-004] anon: a direct INSERT into audit.events is refused');
select throws_ok('update audit.chain_heads set hash = sha256(''forged''::bytea) where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for schema audit',
  '[AUD-005] anon: UPDATE on audit.chain_heads is refused');
select throws_ok('delete from audit.chain_heads where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for schema audit',
  '[AUD-006] anon: DELETE on audit.chain_heads is refused');
select throws_ok('truncate audit.chain_heads',
  '42501', 'permission denied for schema audit',
  '[AUD-007] anon: TRUNCATE on audit.chain_heads is refused');
select throws_ok('insert into audit.chain_heads (chain_id, seq, hash) values (''cccccccc-cccc-4ccc-8ccc-cccccccccccc'', 5, sha256(''forged''::bytea))',
  '42501', 'permission denied for schema audit',
  '[AUD-008] anon: a direct INSERT into audit.chain_heads is refused');

-- As authenticated (an org A owner) --------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('a1000000-0000-4000-8000-000000000001');
select throws_ok('update audit.events set reason = ''forged'' where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-009] authenticated (an org A owner): UPDATE on audit.events is refused');
select throws_ok('delete from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-010] authenticated (an org A owner): DELETE on audit.events is refused');
select throws_ok('truncate audit.events',
  '42501', 'permission denied for table events',
  '[AUD-011] authenticated (an org A owner): TRUNCATE on audit.events is refused');
select throws_ok('insert into audit.events select chain_id, seq + 100, occurred_at, action, actor_kind, actor_id, actor_job, org_id, target_table, target_id, reason, request_id, details, prev_hash, hash from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-012] authenticated (an org A owner): a direct INSERT into audit.events is refused');
select throws_ok('update audit.chain_heads set hash = sha256(''forged''::bytea) where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table chain_heads',
  '[AUD-013] authenticated (an org A owner): UPDATE on audit.chain_heads is refused');
select throws_ok('delete from audit.chain_heads where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table chain_heads',
  '[AUD-014] authenticated (an org A owner): DELETE on audit.chain_heads is refused');
select throws_ok('truncate audit.chain_heads',
  '42501', 'permission denied for table chain_heads',
  '[AUD-015] authenticated (an org A owner): TRUNCATE on audit.chain_heads is refused');
select throws_ok('insert into audit.chain_heads (chain_id, seq, hash) values (''cccccccc-cccc-4ccc-8ccc-cccccccccccc'', 5, sha256(''forged''::bytea))',
  '42501', 'permission denied for table chain_heads',
  '[AUD-016] authenticated (an org A owner): a direct INSERT into audit.chain_heads is refused');

-- As service_role --------------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as_service_role();
select throws_ok('update audit.events set reason = ''forged'' where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-017] service_role: UPDATE on audit.events is refused');
select throws_ok('delete from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-018] service_role: DELETE on audit.events is refused');
select throws_ok('truncate audit.events',
  '42501', 'permission denied for table events',
  '[AUD-019] service_role: TRUNCATE on audit.events is refused');
select throws_ok('insert into audit.events select chain_id, seq + 100, occurred_at, action, actor_kind, actor_id, actor_job, org_id, target_table, target_id, reason, request_id, details, prev_hash, hash from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-020] service_role: a direct INSERT into audit.events is refused');
select throws_ok('update audit.chain_heads set hash = sha256(''forged''::bytea) where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table chain_heads',
  '[AUD-021] service_role: UPDATE on audit.chain_heads is refused');
select throws_ok('delete from audit.chain_heads where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table chain_heads',
  '[AUD-022] service_role: DELETE on audit.chain_heads is refused');
select throws_ok('truncate audit.chain_heads',
  '42501', 'permission denied for table chain_heads',
  '[AUD-023] service_role: TRUNCATE on audit.chain_heads is refused');
select throws_ok('insert into audit.chain_heads (chain_id, seq, hash) values (''cccccccc-cccc-4ccc-8ccc-cccccccccccc'', 5, sha256(''forged''::bytea))',
  '42501', 'permission denied for table chain_heads',
  '[AUD-024] service_role: a direct INSERT into audit.chain_heads is refused');

-- As postgres ------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok('update audit.events set reason = ''forged'' where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-025] postgres: UPDATE on audit.events is refused');
select throws_ok('delete from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-026] postgres: DELETE on audit.events is refused');
select throws_ok('truncate audit.events',
  '42501', 'permission denied for table events',
  '[AUD-027] postgres: TRUNCATE on audit.events is refused');
select throws_ok('insert into audit.events select chain_id, seq + 100, occurred_at, action, actor_kind, actor_id, actor_job, org_id, target_table, target_id, reason, request_id, details, prev_hash, hash from audit.events where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table events',
  '[AUD-028] postgres: a direct INSERT into audit.events is refused');
select throws_ok('update audit.chain_heads set hash = sha256(''forged''::bytea) where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table chain_heads',
  '[AUD-029] postgres: UPDATE on audit.chain_heads is refused');
select throws_ok('delete from audit.chain_heads where chain_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''',
  '42501', 'permission denied for table chain_heads',
  '[AUD-030] postgres: DELETE on audit.chain_heads is refused');
select throws_ok('truncate audit.chain_heads',
  '42501', 'permission denied for table chain_heads',
  '[AUD-031] postgres: TRUNCATE on audit.chain_heads is refused');
select throws_ok('insert into audit.chain_heads (chain_id, seq, hash) values (''cccccccc-cccc-4ccc-8ccc-cccccccccccc'', 5, sha256(''forged''::bytea))',
  '42501', 'permission denied for table chain_heads',
  '[AUD-032] postgres: a direct INSERT into audit.chain_heads is refused');

-- As cluso_audit_owner ---------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($t$select t12.as_owner($q$update audit.events set reason = 'forged' where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$q$)$t$,
  '42501', 'the audit trail is append-only: UPDATE on audit.events is not allowed',
  '[AUD-033] cluso_audit_owner: UPDATE on audit.events is refused');
select throws_ok($t$select t12.as_owner($q$delete from audit.events where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$q$)$t$,
  '42501', 'the audit trail is append-only: DELETE on audit.events is not allowed',
  '[AUD-034] cluso_audit_owner: DELETE on audit.events is refused');
select throws_ok($t$select t12.as_owner($q$truncate audit.events$q$)$t$,
  '42501', 'the audit trail is append-only: TRUNCATE on audit.events is not allowed',
  '[AUD-035] cluso_audit_owner: TRUNCATE on audit.events is refused');
select throws_ok($t$select t12.as_owner($q$insert into audit.events select chain_id, seq + 100, occurred_at, action, actor_kind, actor_id, actor_job, org_id, target_table, target_id, reason, request_id, details, prev_hash, hash from audit.events where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$q$)$t$,
  '42501', 'audit events are only added through audit.record_event()',
  '[AUD-036] cluso_audit_owner: a direct INSERT into audit.events is refused');
select throws_ok($t$select t12.as_owner($q$update audit.chain_heads set hash = sha256('forged'::bytea) where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$q$)$t$,
  '42501', 'audit chain heads only move forward, to an event added to their chain',
  '[AUD-037] cluso_audit_owner: UPDATE on audit.chain_heads is refused');
select throws_ok($t$select t12.as_owner($q$delete from audit.chain_heads where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$q$)$t$,
  '42501', 'the audit trail is append-only: DELETE on audit.chain_heads is not allowed',
  '[AUD-038] cluso_audit_owner: DELETE on audit.chain_heads is refused');
select throws_ok($t$select t12.as_owner($q$truncate audit.chain_heads$q$)$t$,
  '42501', 'the audit trail is append-only: TRUNCATE on audit.chain_heads is not allowed',
  '[AUD-039] cluso_audit_owner: TRUNCATE on audit.chain_heads is refused');
select throws_ok($t$select t12.as_owner($q$insert into audit.chain_heads (chain_id, seq, hash) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 5, sha256('forged'::bytea))$q$)$t$,
  '42501', 'audit chain heads only start empty, through audit.record_event()',
  '[AUD-040] cluso_audit_owner: a direct INSERT into audit.chain_heads is refused');
-- Back to postgres: nothing changed ------------------------------------------------------------
select is((select md5(string_agg(e::text, ',' order by chain_id, seq)) from audit.events e),
  :'events_before', '[AUD-044] after every refused attempt the events are byte-for-byte unchanged');
select is((select md5(string_agg(h::text, ',' order by chain_id)) from audit.chain_heads h),
  :'heads_before', '[AUD-045] and so are the chain heads');

-- The one way in: audit.record_event ------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('a1000000-0000-4000-8000-000000000001');
select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'user_request', '{}', p_actor_id => auth.uid())$$,
  '42501', 'permission denied for function record_event',
  '[AUD-046] API users (authenticated) cannot call record_event');
select throws_ok($$select * from audit.verify_chains()$$,
  '42501', 'permission denied for function verify_chains',
  '[AUD-047] nor verify_chains');
select throws_ok($$select audit.export_digest()$$,
  '42501', 'permission denied for function export_digest',
  '[AUD-048] nor export_digest');
select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok($$select audit.record_event('a.b', null, 'public.x', 'x', 'test', '{}', 'job')$$,
  '42501', 'permission denied for schema audit',
  '[AUD-049] anon cannot call record_event');

select tests.clear_authentication(), tests.authenticate_as_service_role();
select lives_ok($$select audit.record_event('storage_object.removed', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'storage.objects', 'x', 'retention_expired', '{"bytes": 2048, "dry_run": false, "note": null}', 'purge')$$,
  '[AUD-050] service_role records an event with numbers, booleans and nulls');
select tests.clear_authentication();

select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'user_request', '{"title": "Jane Doe''s survey", "questions": 2}',
    p_actor_id => 'a1000000-0000-4000-8000-000000000001')$$,
  '22023', 'audit details hold counts and flags only; not allowed: title (string)',
  '[AUD-051] a string in the details is refused (22023), and the error does not echo it');
select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'user_request', '{"respondent": {"n": 1}, "refs": [1, 2]}',
    p_actor_id => 'a1000000-0000-4000-8000-000000000001')$$,
  '22023', 'audit details hold counts and flags only; not allowed: refs (array), respondent (object)',
  '[AUD-052] nested objects and arrays are refused too');
select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'user_request', '["jane@example.test"]',
    p_actor_id => 'a1000000-0000-4000-8000-000000000001')$$,
  '22023', 'audit details must be a JSON object of counts and flags',
  '[AUD-053] details that are not an object are refused');
select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'user_request')$$,
  '22023', 'an audit event needs a user or a system job as its actor',
  '[AUD-054] an event without an actor is refused');
select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'deleted by Jane Doe', '{}', p_actor_id => 'a1000000-0000-4000-8000-000000000001')$$,
  '23514', 'new row for relation "events" violates check constraint "events_reason_check"',
  '[AUD-055] a free-text reason is refused: reasons are short codes');
select throws_ok($$select audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'x', 'user_request', '{}', 'Jane Doe')$$,
  '23514', 'new row for relation "events" violates check constraint "events_actor_job_check"',
  '[AUD-056] a job name must be a short code too');
select results_eq(
  $$select seq, actor_kind, actor_job, details from audit.events
    where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and seq > 3 order by seq$$,
  $$values (4::bigint, 'system', 'purge', '{"bytes": 2048, "dry_run": false, "note": null}'::jsonb)$$,
  '[AUD-057] only the valid event was appended, as the next link of the chain');

-- The owner's only possible INSERT is a correct next link, i.e. what record_event writes, and
-- it moves the head with it (so the chain never forks).
select lives_ok($t$select t12.as_owner($$
  insert into audit.events
  select 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 5, t, 'survey.restored', 'system', null, 'manual',
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'public.surveys', 'x', 'user_request', 'req', '{}',
    h.hash, audit.event_hash(h.hash, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 5, t, 'survey.restored',
      'system', null, 'manual', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'public.surveys', 'x',
      'user_request', 'req', '{}')
  from audit.chain_heads h, (select '2026-01-01 00:00:00+00'::timestamptz as t) c
  where h.chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$$)$t$,
  '[AUD-058] the owner can only INSERT the exact next link of a chain');
select is((select seq from audit.chain_heads where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 5::bigint,
  '[AUD-059] and that insert moved the chain head');
select is((select (audit.record_event('survey.restored', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'public.surveys', 'y', 'user_request', '{}', 'job')).seq), 6::bigint,
  '[AUD-060] record_event continues the chain after it');
select results_eq($$select ok, events, broken_at_seq from audit.verify_chains()$$,
  $$values (true, 6::bigint, null::bigint)$$,
  '[AUD-061] the chain verifies');


select * from finish();
rollback;
