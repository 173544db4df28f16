-- The audit trail is append-only for every role, its owner included: UPDATE, DELETE, TRUNCATE
-- and direct INSERT on audit.events and audit.chain_heads are refused, and events enter only
-- through audit.record_event(), which itself refuses anything but counts and flags, and only
-- the actions of the table's one list.
begin;
select plan(74);

-- Fixtures (as postgres): org A's chain holds three events ----------------------------------------
select tests.create_user('owner_a');
select tests.create_org('owner_a', 'Org A');
select count(audit.record_event('survey.soft_deleted', tests.org_id('Org A'), 'public.surveys',
  gen_random_uuid()::text, 'user_request', jsonb_build_object('questions', g),
  p_actor_id => tests.user_id('owner_a')))
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
   from pg_class c where c.relnamespace = 'audit'::regnamespace and c.relkind in ('r', 'p')
     and not c.relispartition),
  'anchor_queue=cluso_audit_owner chain_heads=cluso_audit_owner events=cluso_audit_owner '
    'membership_events=cluso_audit_owner recording_access=cluso_audit_owner',
  '[AUD-043] the audit tables (trail, anchor queue, membership history, recording access log) belong to cluso_audit_owner');
select is_empty(
  $$select c.relname from pg_class c where c.relnamespace = 'audit'::regnamespace
      and c.relispartition and c.relowner <> 'cluso_audit_owner'::regrole$$,
  '[AUD-066] so does every partition of the recording access log');

-- The owner itself: tests.as_audit_owner(sql) (helpers/70_audit_owner.sql) runs a statement
-- exactly as `set role cluso_audit_owner` would (triggers, privileges), while pgTAP itself keeps
-- running as postgres, which is no member of the owner role (AUD-042), so the postgres rows below
-- test postgres alone.
select is_empty($$select 1 from pg_auth_members where roleid = 'cluso_audit_owner'::regrole$$,
  '[AUD-062] the borrowed owner membership is given back before any check');

-- The eight writes every role is refused: on org A's chain, and a head INSERT for a new chain.
-- `owner_error` is what the trail's own triggers answer its owner, who holds the privileges.
create temp table forbidden_write (n int primary key, label text, target text, sql text,
  owner_error text);
insert into forbidden_write
select w.n, w.label, w.target, format(w.sql, tests.org_id('Org A'), gen_random_uuid()), w.owner_error
from (values
  (1, 'UPDATE on audit.events', 'events',
   $$update audit.events set reason = 'forged' where chain_id = %1$L$$,
   'the audit trail is append-only: UPDATE on audit.events is not allowed'),
  (2, 'DELETE on audit.events', 'events',
   $$delete from audit.events where chain_id = %1$L$$,
   'the audit trail is append-only: DELETE on audit.events is not allowed'),
  (3, 'TRUNCATE on audit.events', 'events',
   $$truncate audit.events$$,
   'the audit trail is append-only: TRUNCATE on audit.events is not allowed'),
  (4, 'a direct INSERT into audit.events', 'events',
   $$insert into audit.events select chain_id, seq + 100, occurred_at, action, actor_kind,
       actor_id, actor_job, org_id, target_table, target_id, reason, request_id, details,
       prev_hash, hash from audit.events where chain_id = %1$L$$,
   'audit events are only added through audit.record_event()'),
  (5, 'UPDATE on audit.chain_heads', 'chain_heads',
   $$update audit.chain_heads set hash = sha256('forged'::bytea) where chain_id = %1$L$$,
   'audit chain heads only move forward, to an event added to their chain'),
  (6, 'DELETE on audit.chain_heads', 'chain_heads',
   $$delete from audit.chain_heads where chain_id = %1$L$$,
   'the audit trail is append-only: DELETE on audit.chain_heads is not allowed'),
  (7, 'TRUNCATE on audit.chain_heads', 'chain_heads',
   $$truncate audit.chain_heads$$,
   'the audit trail is append-only: TRUNCATE on audit.chain_heads is not allowed'),
  (8, 'a direct INSERT into audit.chain_heads', 'chain_heads',
   $$insert into audit.chain_heads (chain_id, seq, hash) values (%2$L, 5, sha256('forged'::bytea))$$,
   'audit chain heads only start empty, through audit.record_event()')
) w(n, label, target, sql, owner_error);
grant select on forbidden_write to anon, authenticated, service_role;

-- anon has no usage on schema audit; authenticated, service_role and postgres hold no write
-- privilege on its tables; the owner holds them all and is stopped by the triggers.
select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok(w.sql, '42501', 'permission denied for schema audit',
  format('[AUD-%s] anon: %s is refused', to_char(w.n, 'FM000'), w.label))
from (select * from forbidden_write order by n) w;

select tests.clear_authentication(), tests.authenticate_as('owner_a');
select throws_ok(w.sql, '42501', 'permission denied for table ' || w.target,
  format('[AUD-%s] authenticated (an org A owner): %s is refused', to_char(8 + w.n, 'FM000'),
    w.label))
from (select * from forbidden_write order by n) w;

select tests.clear_authentication(), tests.authenticate_as_service_role();
select throws_ok(w.sql, '42501', 'permission denied for table ' || w.target,
  format('[AUD-%s] service_role: %s is refused', to_char(16 + w.n, 'FM000'), w.label))
from (select * from forbidden_write order by n) w;

select tests.clear_authentication();
select throws_ok(w.sql, '42501', 'permission denied for table ' || w.target,
  format('[AUD-%s] postgres: %s is refused', to_char(24 + w.n, 'FM000'), w.label))
from (select * from forbidden_write order by n) w;

select throws_ok(format('select tests.as_audit_owner(%L)', w.sql), '42501', w.owner_error,
  format('[AUD-%s] cluso_audit_owner: %s is refused', to_char(32 + w.n, 'FM000'), w.label))
from (select * from forbidden_write order by n) w;

-- Back to postgres: nothing changed ------------------------------------------------------------
select is((select md5(string_agg(e::text, ',' order by chain_id, seq)) from audit.events e),
  :'events_before', '[AUD-044] after every refused attempt the events are byte-for-byte unchanged');
select is((select md5(string_agg(h::text, ',' order by chain_id)) from audit.chain_heads h),
  :'heads_before', '[AUD-045] and so are the chain heads');

-- The one way in: audit.record_event ------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('owner_a');
select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
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
select lives_ok($$select audit.record_event('storage_object.removed', tests.org_id('Org A'),
    'storage.objects', 'x', 'retention_expired', '{"bytes": 2048, "dry_run": false, "note": null}', 'purge')$$,
  '[AUD-050] service_role records an event with numbers, booleans and nulls');
select tests.clear_authentication();

select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
    'public.surveys', 'x', 'user_request', '{"title": "Jane Doe''s survey", "questions": 2}',
    p_actor_id => tests.user_id('owner_a'))$$,
  '22023', 'audit details hold counts and flags only; not allowed: title (string)',
  '[AUD-051] a string in the details is refused (22023), and the error does not echo it');
select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
    'public.surveys', 'x', 'user_request', '{"respondent": {"n": 1}, "refs": [1, 2]}',
    p_actor_id => tests.user_id('owner_a'))$$,
  '22023', 'audit details hold counts and flags only; not allowed: refs (array), respondent (object)',
  '[AUD-052] nested objects and arrays are refused too');
select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
    'public.surveys', 'x', 'user_request', '["jane@example.test"]',
    p_actor_id => tests.user_id('owner_a'))$$,
  '22023', 'audit details must be a JSON object of counts and flags',
  '[AUD-053] details that are not an object are refused');
select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
    'public.surveys', 'x', 'user_request')$$,
  '22023', 'an audit event needs a user or a system job as its actor',
  '[AUD-054] an event without an actor is refused');
select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
    'public.surveys', 'x', 'deleted by Jane Doe', '{}', p_actor_id => tests.user_id('owner_a'))$$,
  '23514', 'new row for relation "events" violates check constraint "events_reason_check"',
  '[AUD-055] a free-text reason is refused: reasons are short codes');
select throws_ok($$select audit.record_event('survey.soft_deleted', tests.org_id('Org A'),
    'public.surveys', 'x', 'user_request', '{}', 'Jane Doe')$$,
  '23514', 'new row for relation "events" violates check constraint "events_actor_job_check"',
  '[AUD-056] a job name must be a short code too');
select throws_ok($$select audit.record_event('survey.renamed', tests.org_id('Org A'),
    'public.surveys', 'x', 'user_request', '{}', p_actor_id => tests.user_id('owner_a'))$$,
  '23514', 'new row for relation "events" violates check constraint "events_action_check"',
  '[AUD-063] an action outside the one list of audit actions is refused by the table');
select throws_ok(format('select tests.as_audit_owner(%L)',
    tests.forged_link_sql(tests.org_id('Org A'), 5, 'survey.renamed')),
  '23514', 'new row for relation "events" violates check constraint "events_action_check"',
  '[AUD-064] even as the correctly hashed next link written by the trail''s owner');
select set_eq(
  $$select (regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+\.[a-z_]+)''', 'g'))[1]
    from pg_constraint c
    where c.conrelid = 'audit.events'::regclass and c.conname = 'events_action_check'$$,
  array['survey.soft_deleted', 'survey.restored', 'survey.purged', 'storage_object.removed',
    'membership.removed', 'invitation.removed', 'organization.deleted',
    'organization.owner_transferred', 'account.erasure_requested', 'account.erasure_cancelled',
    'account.erased', 'content.overwritten', 'audit.chain_head_restored',
    'security_report.received', 'security_report.acknowledged', 'security_report.status_changed',
    'security_report.note_added', 'security_report.closed', 'security_report.purged',
    'recording_access.partition_dropped', 'incident.opened', 'incident.scoped',
    'incident.notified', 'incident.note_added', 'incident.preventive_measure_added',
    'incident.closed', 'incident.sessions_revoked', 'incident.organization_suspended',
    'incident.organization_reinstated',
    'data_subject_request.received', 'data_subject_request.extended',
    'data_subject_request.completed', 'data_subject_request.purged', 'respondent.erased'],
  '[AUD-065] the one list of audit actions is exactly the reviewed set of 34 (docs/AUDIT.md, docs/SECURITY_REPORTS.md, docs/RECORDING_ACCESS.md, docs/INCIDENT_RESPONSE.md and docs/DATA_SUBJECT_RIGHTS.md describe each)');
select results_eq(
  $$select seq, actor_kind, actor_job, details from audit.events
    where chain_id = tests.org_id('Org A') and seq > 3 order by seq$$,
  $$values (4::bigint, 'system', 'purge', '{"bytes": 2048, "dry_run": false, "note": null}'::jsonb)$$,
  '[AUD-057] only the valid event was appended, as the next link of the chain');

-- The owner's only possible INSERT is a correct next link, i.e. what record_event writes, and
-- it moves the head with it (so the chain never forks).
select lives_ok(format('select tests.as_audit_owner(%L)',
    tests.forged_link_sql(tests.org_id('Org A'), 5, 'survey.restored')),
  '[AUD-058] the owner can only INSERT the exact next link of a chain');
select is((select seq from audit.chain_heads where chain_id = tests.org_id('Org A')), 5::bigint,
  '[AUD-059] and that insert moved the chain head');
select is((select (audit.record_event('survey.restored', tests.org_id('Org A'),
    'public.surveys', 'y', 'user_request', '{}', 'job')).seq), 6::bigint,
  '[AUD-060] record_event continues the chain after it');
select results_eq($$select ok, events, broken_at_seq from audit.verify_chains()$$,
  $$values (true, 6::bigint, null::bigint)$$,
  '[AUD-061] the chain verifies');

-- Code that runs as the owner is the owner's own ------------------------------------------------------
-- A SECURITY INVOKER function runs with its caller's rights, so one the owner's functions call
-- must be the owner's too: postgres could otherwise rewrite it and act as the owner unseen.
select is_empty(
  $$select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname not in ('pg_catalog', 'information_schema', 'audit') and not p.prosecdef
      and has_schema_privilege('cluso_audit_owner', n.oid, 'usage')
      and has_function_privilege('cluso_audit_owner', p.oid, 'execute')$$,
  '[AUD-067] the owner can call no SECURITY INVOKER function outside pg_catalog and its own schema');
select is_empty(
  $$select p.proname::text from pg_proc p where p.pronamespace = 'audit'::regnamespace
      and p.prosrc ~ '\m(private|public|extensions|auth|storage|tests)\.[a-z_"]+\s*\('$$,
  '[AUD-068] no function of the audit schema calls a function of another schema');
-- SECURITY DEFINER would not do: the function's owner could redefine it as SECURITY INVOKER.
select is_empty(
  $$select t.tgrelid::regclass::text || ' ' || t.tgname from pg_trigger t
      join pg_proc p on p.oid = t.tgfoid
      join pg_class c on c.oid = t.tgrelid
    where c.relnamespace = 'audit'::regnamespace and not t.tgisinternal
      and p.proowner <> 'cluso_audit_owner'::regrole$$,
  '[AUD-069] every trigger of the audit tables runs a function the owner owns');
select is_empty(
  $$select c.oid::regclass::text from pg_class c
    where c.relnamespace = 'audit'::regnamespace and c.relkind in ('r', 'p', 'S', 'v', 'm', 'i', 'I')
      and c.relowner <> 'cluso_audit_owner'::regrole$$,
  '[AUD-072] every relation of the audit schema (the anchor queue included) is the owner''s: no other role can hang a trigger on one');
-- The owner keeps copies of two private checks (it may run no code of postgres's): they agree.
select is_empty(
  $$select n from unnest(array[
      tests.org_id('Org A') || '/' || gen_random_uuid() || '/' || gen_random_uuid() || '/'
        || gen_random_uuid() || '.webm',
      tests.org_id('Org A') || '/' || gen_random_uuid() || '/' || gen_random_uuid() || '/'
        || gen_random_uuid() || '.exe',
      tests.org_id('Org A') || '/' || gen_random_uuid() || '/' || gen_random_uuid() || '.ogg',
      'org/survey/response/recording.webm', '', '../' || gen_random_uuid() || '.wav']) n
    where tests.as_audit_owner(format('select 1 where audit.is_recording_object_name(%L)', n)) > 0
      is distinct from private.is_recording_object_name(n)
    union all
    select 'clock' where tests.as_audit_owner('select 1 where audit.project_time() = now()') > 0
      is distinct from (private.current_time() = now())$$,
  '[AUD-074] the owner''s object-name check and project clock answer as the private ones do');

-- A type another role owns can be renamed or dropped under the trail (an enum's values relabel
-- every row that holds them).
select is_empty(
  $$select c.oid::regclass::text || '.' || a.attname
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_type t on t.oid = a.atttypid
    where c.relnamespace = 'audit'::regnamespace and c.relkind in ('r', 'p', 'v')
      and a.attnum > 0 and not a.attisdropped
      and t.typowner <> 'cluso_audit_owner'::regrole
      and not (select r.rolsuper from pg_roles r where r.oid = t.typowner)
    union all
    select p.oid::regprocedure::text
    from pg_proc p
    cross join lateral unnest(p.proargtypes::oid[] || p.prorettype) as x(typ)
    join pg_type t on t.oid = x.typ
    where p.pronamespace = 'audit'::regnamespace
      and t.typowner <> 'cluso_audit_owner'::regrole
      and not (select r.rolsuper from pg_roles r where r.oid = t.typowner)$$,
  '[AUD-073] no column or function of the audit schema uses a type another role (no superuser) owns');

-- postgres rewrites the private helpers the owner's functions once called; neither may run.
create or replace function private."current_time"()
returns timestamptz language plpgsql stable set search_path = '' as $$
begin
  raise exception 'private.current_time() ran as %', current_user;
end;
$$;
create or replace function private.is_recording_object_name(p_name text)
returns boolean language plpgsql immutable set search_path = '' as $$
begin
  raise exception 'private.is_recording_object_name() ran as %', current_user;
end;
$$;
select lives_ok($$select audit.recording_access_rotate(now())$$,
  '[AUD-070] the access log''s rotation runs none of postgres''s code as the owner');
select is(
  audit.log_recording_access('single', tests.user_id('owner_a'),
    array[tests.org_id('Org A')], array[gen_random_uuid()], array[gen_random_uuid()],
    array[gen_random_uuid()],
    array[tests.org_id('Org A') || '/' || gen_random_uuid() || '/' || gen_random_uuid() || '/'
      || gen_random_uuid() || '.webm']),
  1, '[AUD-071] nor does logging a recording access (it still checks the object name)');

select * from finish();
rollback;
