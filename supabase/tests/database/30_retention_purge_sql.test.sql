-- The SQL side of the retention purge and of Storage removal:
--   * purge_expired_surveys: never before 30 days, restored surveys untouched, exact counts,
--     children removed, every recording queued in the outbox, survey.purged audited;
--   * the Storage outbox: claim limits and leases, settle (returned / gone / still present),
--     exponential backoff capped at 1 hour, stuck removals visible to ops;
--   * reconcile_recordings; delete_organization (owners only).
-- SKIP LOCKED cannot be shown with one session; its presence is asserted in the function
-- bodies (docs/ACCOUNT_DELETION.md explains the concurrency argument).
begin;
select plan(74);
set local timezone = 'UTC';
-- Start from an empty outbox: purge whatever else (the seed's demo data) is expired at the
-- latest time used below, then drop those outbox rows (all rolled back at the end).
select tests.set_now('2030-12-31 00:00:00+00');
select private.purge_expired_surveys(5000);
delete from private.storage_removals;

select tests.create_user('30000000-0000-4000-8000-00000000000a', 'pat@example.test');
select tests.create_user('30000000-0000-4000-8000-00000000000b', 'abe@example.test');
select tests.create_user('30000000-0000-4000-8000-00000000000c', 'quinn@example.test');
select tests.create_user('30000000-0000-4000-8000-00000000000d', 'dora@example.test');
insert into public.organizations (id, name) values
  ('30a00000-0000-4000-8000-000000000001', 'Purge org'),
  ('30b00000-0000-4000-8000-000000000001', 'Deleted org'),
  ('30c00000-0000-4000-8000-000000000001', 'Reconcile org');
insert into public.memberships (org_id, user_id, role) values
  ('30a00000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-00000000000a', 'owner'),
  ('30a00000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-00000000000b', 'admin'),
  ('30b00000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-00000000000c', 'owner'),
  ('30b00000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-00000000000d', 'admin'),
  ('30c00000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-00000000000a', 'owner');

select tests.create_survey('30a00000-0000-4000-8000-000000000001', 'old', 2, 2);
select tests.create_survey('30a00000-0000-4000-8000-000000000001', 'exact', 1, 2);
select tests.create_survey('30a00000-0000-4000-8000-000000000001', 'young', 1, 1);
select tests.create_survey('30a00000-0000-4000-8000-000000000001', 'restored', 1, 1);
select tests.create_survey('30a00000-0000-4000-8000-000000000001', 'live', 1, 1);
create temporary table s on commit drop as
  select slug, id from public.surveys where org_id = '30a00000-0000-4000-8000-000000000001';
create temporary table paths on commit drop as
  select s.slug, r.object_path, r.survey_id from public.recordings r join s on s.id = r.survey_id;

-- Soft deletions through the API, at controlled times. "Now" is 2030-07-31 12:00.
create function pg_temp.delete_at(p_slug text, p_at timestamptz) returns void language plpgsql as $$
declare v_id uuid := (select id from s where slug = p_slug);
begin
  perform tests.set_now(p_at);
  perform tests.authenticate_as('30000000-0000-4000-8000-00000000000a');
  perform public.delete_survey(v_id, 'no_longer_needed');
  perform tests.clear_authentication();
end;
$$;
create function pg_temp.restore_at(p_slug text, p_at timestamptz) returns void language plpgsql as $$
declare v_id uuid := (select id from s where slug = p_slug);
begin
  perform tests.set_now(p_at);
  perform tests.authenticate_as('30000000-0000-4000-8000-00000000000a');
  perform public.restore_survey(v_id);
  perform tests.clear_authentication();
end;
$$;
select pg_temp.delete_at('old', '2030-07-01 11:00:00+00');       -- 30 days 1 hour before now
select pg_temp.delete_at('exact', '2030-07-01 12:00:00+00');     -- exactly 30 days before now
select pg_temp.delete_at('young', '2030-07-01 13:00:00+00');     -- 29 days 23 hours before now
select pg_temp.delete_at('restored', '2030-06-01 00:00:00+00');  -- long ago, but restored:
select pg_temp.restore_at('restored', '2030-06-20 00:00:00+00');
-- Objects in Storage for old's and young's recordings; exact's are already gone from Storage.
select tests.create_object('recordings', object_path) from paths where slug in ('old', 'young');

select tests.set_now('2030-07-31 12:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- Preview and bounds
-- ---------------------------------------------------------------------------------------------
select is(
  private.preview_expired_surveys() - 'oldest_deleted_at',
  '{"surveys":2,"questions":3,"responses":4,"recordings":6,"transcripts":6}'::jsonb,
  '[PUR-001] the dry run counts old and exact (30 days or more), not young (29 d 23 h)');
select is(
  (private.preview_expired_surveys() ->> 'oldest_deleted_at')::timestamptz, '2030-07-01 11:00:00+00'::timestamptz,
  '[PUR-002] the dry run names the oldest deletion');
select results_eq(
  $$select (select count(*)::int from public.surveys where org_id = '30a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.recordings where org_id = '30a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from private.storage_removals),
    (select count(*)::int from audit.events where action = 'survey.purged'
     and org_id = '30a00000-0000-4000-8000-000000000001')$$,
  $$values (5, 9, 0, 0)$$,
  '[PUR-003] the dry run changed nothing');
select throws_ok($$select private.purge_expired_surveys(0)$$, '22023',
  'batch size must be between 1 and 5000, got 0', '[PUR-004] batch size 0 is refused');
select throws_ok($$select private.purge_expired_surveys(5001)$$, '22023',
  'batch size must be between 1 and 5000, got 5001', '[PUR-005] batch size 5001 is refused');
-- (If the call is accepted, the DO block raises XX000 and its effects are rolled back.)
select throws_ok(
  $q$do $b$ begin perform private.purge_expired_surveys(null);
    raise exception 'a null batch size was accepted' using errcode = 'XX000'; end $b$ $q$,
  '22023', null,
  '[PUR-006] a null batch size is refused (not taken as "no limit")');
select is(
  (select count(*)::int from public.surveys where org_id = '30a00000-0000-4000-8000-000000000001'),
  5, '[PUR-007] the refused calls purged nothing');

-- ---------------------------------------------------------------------------------------------
-- Purge: oldest first, exact counts, never early
-- ---------------------------------------------------------------------------------------------
select is(
  private.purge_expired_surveys(1),
  '{"surveys":1,"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb,
  '[PUR-010] batch of 1: the oldest deletion (old) goes first, with exact counts');
select is(
  private.purge_expired_surveys(5000),
  '{"surveys":1,"questions":1,"responses":2,"recordings":2,"transcripts":2}'::jsonb,
  '[PUR-011] then exact (deleted exactly 30 days ago)');
select is(
  private.purge_expired_surveys(5000),
  '{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0}'::jsonb,
  '[PUR-012] then nothing: young is 29 days 23 hours into its 30 days');
select set_eq(
  $$select slug from public.surveys where org_id = '30a00000-0000-4000-8000-000000000001'$$,
  $$values ('young'), ('restored'), ('live')$$,
  '[PUR-013] young (still recoverable), restored and live surveys are untouched');
select results_eq(
  $$select (select count(*)::int from public.questions q join s on s.id = q.survey_id where s.slug in ('old', 'exact')),
    (select count(*)::int from public.responses r join s on s.id = r.survey_id where s.slug in ('old', 'exact')),
    (select count(*)::int from public.recordings r join s on s.id = r.survey_id where s.slug in ('old', 'exact')),
    (select count(*)::int from public.transcripts t join s on s.id = t.survey_id where s.slug in ('old', 'exact'))$$,
  $$values (0, 0, 0, 0)$$,
  '[PUR-014] the purged surveys'' questions, responses, recordings and transcripts are gone');
select results_eq(
  $$select (select count(*)::int from public.questions q join s on s.id = q.survey_id where s.slug in ('young', 'restored', 'live')),
    (select count(*)::int from public.recordings r join s on s.id = r.survey_id where s.slug in ('young', 'restored', 'live')),
    (select count(*)::int from public.transcripts t join s on s.id = t.survey_id where s.slug in ('young', 'restored', 'live'))$$,
  $$values (3, 3, 3)$$,
  '[PUR-015] the others keep all their children');
select set_eq(
  $$select bucket_id, object_name, org_id, survey_id, cause, attempts from private.storage_removals$$,
  $$select 'recordings'::text as bucket_id, object_path, '30a00000-0000-4000-8000-000000000001'::uuid as org_id,
      survey_id, 'retention_expired'::text as cause, 0 as attempts from paths where slug in ('old', 'exact')$$,
  '[PUR-016] one outbox row per purged recording, attributed to its organisation and survey');
select bag_eq(
  $$select e.target_id, e.org_id, e.reason, e.actor_kind, e.actor_job, e.details from audit.events e
    where e.action = 'survey.purged' and e.org_id = '30a00000-0000-4000-8000-000000000001'$$,
  $$values ((select id::text from s where slug = 'old'), '30a00000-0000-4000-8000-000000000001'::uuid,
      'retention_expired'::text, 'system'::text, 'retention_purge'::text,
      '{"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb),
    ((select id::text from s where slug = 'exact'), '30a00000-0000-4000-8000-000000000001'::uuid,
      'retention_expired', 'system', 'retention_purge',
      '{"questions":1,"responses":2,"recordings":2,"transcripts":2}'::jsonb)$$,
  '[PUR-017] each purged survey is audited with its counts, as the retention job');
select tests.set_now('2030-07-31 13:00:00+00');
select is(
  private.purge_expired_surveys(5000) ->> 'surveys', '1',
  '[PUR-018] an hour later, young reaches 30 days and is purged');
select set_eq(
  $$select slug from public.surveys where org_id = '30a00000-0000-4000-8000-000000000001'$$,
  $$values ('restored'), ('live')$$,
  '[PUR-019] the restored survey (deleted 60 days ago) is never purged');
select ok(
  pg_get_functiondef('private.purge_expired_surveys(integer, text)'::regprocedure) ~* 'for\s+update\s+skip\s+locked',
  '[PUR-020] the purge takes its batch FOR UPDATE SKIP LOCKED (concurrent runs and restores never collide)');
select ok(
  pg_get_functiondef('private.claim_storage_removals(integer, interval)'::regprocedure) ~* 'for\s+update\s+skip\s+locked'
  and pg_get_functiondef('private.claim_account_deletion(interval)'::regprocedure) ~* 'for\s+update\s+skip\s+locked',
  '[PUR-021] the outbox claim and the account-deletion claim also use FOR UPDATE SKIP LOCKED');

-- ---------------------------------------------------------------------------------------------
-- The Storage outbox: claims and leases
-- ---------------------------------------------------------------------------------------------
select throws_ok($$select * from private.claim_storage_removals(0)$$, '22023',
  'a Storage remove() call takes 1 to 1000 names, got 0', '[STO-001] a claim of 0 names is refused');
select throws_ok($$select * from private.claim_storage_removals(1001)$$, '22023',
  'a Storage remove() call takes 1 to 1000 names, got 1001', '[STO-002] a claim of 1001 names is refused');
select throws_ok(
  $q$do $b$ begin perform private.claim_storage_removals(null);
    raise exception 'a null limit was accepted' using errcode = 'XX000'; end $b$ $q$,
  '22023', null,
  '[STO-003] a null limit is refused (not taken as "no limit")');
create temporary table batch1 on commit drop as select * from private.claim_storage_removals(3);
select results_eq(
  $$select id, object_name, attempts from batch1 order by id$$,
  $$select id, object_name, 1 from private.storage_removals order by id limit 3$$,
  '[STO-004] a claim of 3 leases the 3 oldest entries, attempts 1');
create temporary table batch2 on commit drop as select * from private.claim_storage_removals(1000);
select results_eq(
  $$select count(*)::int, count(*) filter (where id in (select id from batch1))::int from batch2$$,
  $$values (4, 0)$$,
  '[STO-005] a second claim gets the 4 others, none of the leased ones');
select is_empty($$select * from private.claim_storage_removals(1000)$$,
  '[STO-006] a third claim gets nothing while the leases are live');
select is(
  (select count(*)::int from private.storage_removals where leased_until = '2030-07-31 13:05:00+00'),
  7, '[STO-007] each lease lasts 5 minutes');

-- ---------------------------------------------------------------------------------------------
-- Settle: removed (returned), removed (gone from storage.objects), failed (still present)
-- ---------------------------------------------------------------------------------------------
-- batch2 = old's 4th recording (still in Storage), exact's 2 (already gone), young's 1 (present).
create temporary table x on commit drop as
  select b.id, b.object_name from batch2 b join paths p on p.object_path = b.object_name where p.slug = 'old';
select is((select count(*)::int from x), 1, '[STO-010] (fixture) batch2 holds one of old''s recordings');
select is(
  private.settle_storage_removals(array(select id from batch2),
    array(select object_path from paths where slug = 'young')),
  '{"removed":3,"failed":1}'::jsonb,
  '[STO-011] settle: young''s (returned by Storage) and exact''s (gone from storage.objects) are removed; one failed');
select results_eq(
  $$select r.id, r.attempts, r.leased_until, r.next_attempt_at, r.last_error from private.storage_removals r
    where r.id in (select id from batch2)$$,
  $$select id, 1, null::timestamptz, '2030-07-31 13:00:30+00'::timestamptz, 'Storage did not confirm the removal'::text from x$$,
  '[STO-012] the unconfirmed removal stays: attempts kept, lease released, retry in 30 s, error recorded');
select set_eq(
  $$select e.target_id, e.org_id, e.reason, e.actor_job, e.details from audit.events e
    where e.action = 'storage_object.removed'$$,
  $$select 'recordings/' || object_path as target_id, '30a00000-0000-4000-8000-000000000001'::uuid as org_id,
      'retention_expired'::text as reason, 'retention_purge'::text as actor_job, '{"attempts":1}'::jsonb as details
    from paths where slug in ('exact', 'young')$$,
  '[STO-013] every confirmed removal is audited with its object and attempts');
select is(
  private.settle_storage_removals(array(select id from batch1), array(select object_name from batch1)),
  '{"removed":3,"failed":0}'::jsonb,
  '[STO-014] a fully confirmed batch leaves the outbox');
select results_eq(
  $$select id from private.storage_removals$$, $$select id from x$$,
  '[STO-015] only the unconfirmed removal is left in the outbox');

-- ---------------------------------------------------------------------------------------------
-- Backoff: 30 s, 60 s, 120 s ... capped at 1 hour; stuck at 5 attempts
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2030-07-31 13:00:29+00');
select is_empty($$select * from private.claim_storage_removals()$$,
  '[STO-020] the failed removal is not retried before its backoff ends');
-- One retry at the moment the backoff ends; returns (attempts, delay to the next try).
create function pg_temp.retry(p_error text) returns table (attempts integer, delay interval)
language plpgsql as $$
declare v_at timestamptz; v_ids bigint[];
begin
  select r.next_attempt_at into v_at from private.storage_removals r;
  perform tests.set_now(v_at);
  select array_agg(c.id) into v_ids from private.claim_storage_removals() c;
  perform private.settle_storage_removals(v_ids, '{}', p_error);
  return query select r.attempts, r.next_attempt_at - v_at from private.storage_removals r;
end;
$$;
select results_eq($$select * from pg_temp.retry('HTTP 503 Service Unavailable')$$,
  $$values (2, interval '60 seconds')$$, '[STO-021] second failure: retry in 60 s');
select is((select last_error from private.storage_removals), 'HTTP 503 Service Unavailable',
  '[STO-022] the error Storage reported is recorded');
select results_eq($$select * from pg_temp.retry('HTTP 503 Service Unavailable')$$,
  $$values (3, interval '120 seconds')$$, '[STO-023] third failure: retry in 120 s');
select results_eq($$select * from pg_temp.retry('HTTP 503 Service Unavailable')$$,
  $$values (4, interval '240 seconds')$$, '[STO-024] fourth failure: retry in 240 s');
select is(private.storage_removal_status() ->> 'stuck', '0', '[STO-025] four attempts are not yet stuck');
select results_eq($$select * from pg_temp.retry('HTTP 500 Internal Error')$$,
  $$values (5, interval '480 seconds')$$, '[STO-026] fifth failure: retry in 480 s');
select is(
  private.storage_removal_status() - 'oldest_enqueued_at',
  '{"pending":1,"due":0,"stuck":1}'::jsonb,
  '[STO-027] storage_removal_status reports it stuck (5 attempts), pending and not due');
select results_eq(
  $$select bucket_id, pending, stuck, max_attempts, worst_error from private.storage_removal_backlog$$,
  $$values ('recordings'::text, 1::bigint, 1::bigint, 5, 'HTTP 500 Internal Error'::text)$$,
  '[STO-028] the backlog view shows it, with the last error');
update private.storage_removals set attempts = 7;
select results_eq($$select * from pg_temp.retry('HTTP 500 Internal Error')$$,
  $$values (8, interval '1 hour')$$, '[STO-029] eighth failure: 30 s x 2^7 = 64 min is capped at 1 hour');
select results_eq($$select * from pg_temp.retry('HTTP 500 Internal Error')$$,
  $$values (9, interval '1 hour')$$, '[STO-030] and stays capped');

-- A runner that dies after claiming: the removal comes back when the lease expires.
select tests.set_now((select next_attempt_at from private.storage_removals));
select is((select count(*)::int from private.claim_storage_removals()), 1, '[STO-031] (fixture) claimed');
select tests.set_now((select next_attempt_at from private.storage_removals) + interval '4 minutes 59 seconds');
select is_empty($$select * from private.claim_storage_removals()$$,
  '[STO-032] not claimable while the dead runner''s lease lasts');
select tests.set_now((select next_attempt_at from private.storage_removals) + interval '5 minutes');
select results_eq($$select attempts from private.claim_storage_removals()$$, $$values (11)$$,
  '[STO-033] claimable again once the lease expires, the attempt counted');

-- ---------------------------------------------------------------------------------------------
-- Reconciliation of the recordings bucket
-- ---------------------------------------------------------------------------------------------
select tests.create_survey('30c00000-0000-4000-8000-000000000001', 'rec', 1, 2);
create temporary table rec on commit drop as
  select object_path, row_number() over (order by object_path) n from public.recordings
  where org_id = '30c00000-0000-4000-8000-000000000001';
select tests.create_object('recordings', object_path) from rec where n = 1;
select tests.create_object('recordings', '30c00000-0000-4000-8000-000000000001/stray/upload.webm');
select tests.create_object('recordings', '30c00000-0000-4000-8000-000000000001/queued/left.webm');
insert into private.storage_removals (bucket_id, object_name, org_id, cause)
values ('recordings', '30c00000-0000-4000-8000-000000000001/queued/left.webm',
  '30c00000-0000-4000-8000-000000000001', 'organization_deleted');
select set_eq(
  $$select problem, object_name from private.reconcile_recordings()
    where object_name like '30c00000-0000-4000-8000-000000000001/%'$$,
  $$values ('missing_object'::text, (select object_path from rec where n = 2)),
    ('orphan_object', '30c00000-0000-4000-8000-000000000001/stray/upload.webm')$$,
  '[REC-001] a row without its object is missing_object; an object without a row is orphan_object');
select is_empty(
  $$select * from private.reconcile_recordings() where object_name in (select object_name from private.storage_removals)$$,
  '[REC-002] objects waiting in the outbox are never reported as orphans');
select is(
  (select problem from private.reconcile_recordings() where object_name = (select object_name from x)),
  null, '[REC-003] (also the stuck one of the purge org)');

-- ---------------------------------------------------------------------------------------------
-- Deleting an organisation: owners only
-- ---------------------------------------------------------------------------------------------
select tests.create_survey('30b00000-0000-4000-8000-000000000001', 'q', 1, 1);
select tests.create_object('recordings', object_path) from public.recordings
where org_id = '30b00000-0000-4000-8000-000000000001';
select tests.create_object('recordings', '30b00000-0000-4000-8000-000000000001/logo/upload.webm');
create temporary table q_paths on commit drop as
  select object_path from public.recordings where org_id = '30b00000-0000-4000-8000-000000000001';
create temporary table outbox_before on commit drop as select id from private.storage_removals;

select tests.authenticate_as_anon();
select throws_ok($$select public.delete_organization('30b00000-0000-4000-8000-000000000001')$$,
  '42501', 'permission denied for function delete_organization', '[ORG-001] anon cannot delete an organisation');
select tests.clear_authentication();
select tests.authenticate_as('30000000-0000-4000-8000-00000000000d');
select throws_ok($$select public.delete_organization('30b00000-0000-4000-8000-000000000001')$$,
  '42501', 'only owners can delete an organisation', '[ORG-002] an admin cannot delete the organisation');
select tests.clear_authentication();
select tests.authenticate_as('30000000-0000-4000-8000-00000000000a');
select throws_ok($$select public.delete_organization('30b00000-0000-4000-8000-000000000001')$$,
  'P0002', 'organisation 30b00000-0000-4000-8000-000000000001 not found',
  '[ORG-003] another organisation''s owner gets "not found" (no existence leak)');
select tests.clear_authentication();
select is((select count(*)::int from public.organizations where id = '30b00000-0000-4000-8000-000000000001'), 1,
  '[ORG-004] the refused attempts deleted nothing');
select tests.authenticate_as('30000000-0000-4000-8000-00000000000c');
select is(
  public.delete_organization('30b00000-0000-4000-8000-000000000001'),
  '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":1,"memberships":2,"unreferenced_objects":1}'::jsonb,
  '[ORG-005] the owner deletes it and gets the counts');
select tests.clear_authentication();
select results_eq(
  $$select (select count(*)::int from public.organizations where id = '30b00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.surveys where org_id = '30b00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.recordings where org_id = '30b00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.memberships where org_id = '30b00000-0000-4000-8000-000000000001')$$,
  $$values (0, 0, 0, 0)$$,
  '[ORG-006] the organisation, its surveys, recordings and memberships are gone');
select set_eq(
  $$select object_name, cause from private.storage_removals where id not in (select id from outbox_before)$$,
  $$select object_path, 'user_request'::text from q_paths
    union all select '30b00000-0000-4000-8000-000000000001/logo/upload.webm', 'user_request'$$,
  '[ORG-007] its recording objects and the other object in its folder are queued, nothing else');
select results_eq(
  $$select actor_kind, actor_id, reason, details from audit.events
    where action = 'organization.deleted' and org_id = '30b00000-0000-4000-8000-000000000001'$$,
  $$values ('user'::text, '30000000-0000-4000-8000-00000000000c'::uuid, 'user_request'::text,
    '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":1,"memberships":2,"unreferenced_objects":1}'::jsonb)$$,
  '[ORG-008] organization.deleted is audited with the owner as actor and the counts');
select results_eq(
  $$select actor_kind, actor_id, reason from audit.events
    where action = 'survey.purged' and org_id = '30b00000-0000-4000-8000-000000000001'$$,
  $$values ('user'::text, '30000000-0000-4000-8000-00000000000c'::uuid, 'user_request'::text)$$,
  '[ORG-009] its survey''s purge is audited as the owner''s');

-- ---------------------------------------------------------------------------------------------
-- The purge removes everything in the survey's folder, and nothing outside it
-- ---------------------------------------------------------------------------------------------
-- Org D's survey F is purged. In F's folder: the recording's object (its row re-pointed to a new
-- object, so the old one has no row any more), an upload no row points at, and an oddly named
-- object written by a service. Outside it: survey N (an id sharing all but its last character
-- with F's) and the same survey id under another organisation's folder.
select tests.set_now('2030-09-01 00:00:00+00');
insert into public.organizations (id, name) values ('30d00000-0000-4000-8000-000000000001', 'Folder org');
insert into public.surveys (id, org_id, title, slug, deleted_at) values
  ('30d5e000-0000-4000-8000-0000000000a1', '30d00000-0000-4000-8000-000000000001', 'F', 'f',
   '2030-07-01 00:00:00+00'),
  ('30d5e000-0000-4000-8000-0000000000a2', '30d00000-0000-4000-8000-000000000001', 'N', 'n', null);
insert into public.questions (id, org_id, survey_id, position, prompt) values
  ('30d9e000-0000-4000-8000-0000000000a1', '30d00000-0000-4000-8000-000000000001',
   '30d5e000-0000-4000-8000-0000000000a1', 1, 'Q');
insert into public.responses (id, org_id, survey_id, respondent_ref) values
  ('30d4e000-0000-4000-8000-0000000000a1', '30d00000-0000-4000-8000-000000000001',
   '30d5e000-0000-4000-8000-0000000000a1', 'resp-f');
insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
  duration_ms, size_bytes, mime_type)
values ('30d6e000-0000-4000-8000-0000000000a1', '30d00000-0000-4000-8000-000000000001',
  '30d5e000-0000-4000-8000-0000000000a1', '30d4e000-0000-4000-8000-0000000000a1',
  '30d9e000-0000-4000-8000-0000000000a1',
  '30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d4e000-0000-4000-8000-0000000000a1/30d7e000-0000-4000-8000-000000000001.webm',
  1000, 2048, 'audio/webm');
create temporary table folder_objects on commit drop as
  select v.k, v.name from (values
    ('old', '30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d4e000-0000-4000-8000-0000000000a1/30d7e000-0000-4000-8000-000000000001.webm'),
    ('new', '30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d4e000-0000-4000-8000-0000000000a1/30d7e000-0000-4000-8000-000000000002.ogg'),
    ('loose', '30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d8e000-0000-4000-8000-000000000001/30d8e000-0000-4000-8000-000000000002.webm'),
    ('odd', '30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/Jane Doe.webm'),
    ('neighbour', '30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a2/30d8e000-0000-4000-8000-000000000003/30d8e000-0000-4000-8000-000000000004.webm'),
    ('other_org', '30e00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d8e000-0000-4000-8000-000000000005/30d8e000-0000-4000-8000-000000000006.webm')
  ) v(k, name);
select tests.create_object('recordings', name) from folder_objects;
-- The row is re-pointed (as a service would: the API roles cannot update object_path).
update public.recordings set object_path = (select name from folder_objects where k = 'new')
where id = '30d6e000-0000-4000-8000-0000000000a1';
create temporary table outbox_before_folder on commit drop as select id from private.storage_removals;

select is(
  private.purge_expired_surveys(5000),
  '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":0}'::jsonb,
  '[PUR-030] (fixture) the purge takes survey F alone');
select set_eq(
  $$select object_name, org_id, survey_id, cause from private.storage_removals
    where id not in (select id from outbox_before_folder)$$,
  $$select name as object_name, '30d00000-0000-4000-8000-000000000001'::uuid as org_id,
      '30d5e000-0000-4000-8000-0000000000a1'::uuid as survey_id, 'retention_expired'::text as cause
    from folder_objects where k in ('old', 'new', 'loose', 'odd')$$,
  '[PUR-031] queued: the row''s object, the object its row was re-pointed away from, the unreferenced upload and the odd name, all of F''s folder');
select is_empty(
  $$select r.object_name from private.storage_removals r
    join folder_objects f on f.name = r.object_name where f.k in ('neighbour', 'other_org')$$,
  '[PUR-032] not queued: the object of survey N (id sharing a prefix with F''s) nor the one under another organisation''s folder');
select results_eq(
  $$select (select count(*)::int from public.surveys where id = '30d5e000-0000-4000-8000-0000000000a2' and deleted_at is null),
    (select count(*)::int from storage.objects o join folder_objects f on f.name = o.name
     where o.bucket_id = 'recordings' and f.k in ('neighbour', 'other_org'))$$,
  $$values (1, 2)$$,
  '[PUR-033] survey N stays live and both outside objects stay in Storage');
select is(
  (select count(*)::int from private.reconcile_recordings() r join folder_objects f on f.name = r.object_name
   where f.k in ('old', 'loose', 'odd')),
  0, '[PUR-034] the queued leftovers are not reported as orphans while they wait in the outbox');

-- Settling them: ids-only names are audited verbatim, the odd name only as a sha256.
create temporary table folder_batch on commit drop as
  select r.id, r.object_name from private.storage_removals r
  where r.id not in (select id from outbox_before_folder);
select is(
  private.settle_storage_removals(array(select id from folder_batch), array(select object_name from folder_batch)),
  '{"removed":4,"failed":0}'::jsonb,
  '[STO-040] Storage confirmed all four removals');
select set_eq(
  $$select e.target_id from audit.events e
    where e.action = 'storage_object.removed' and e.org_id = '30d00000-0000-4000-8000-000000000001'$$,
  $$select 'recordings/' || name from folder_objects where k in ('old', 'new', 'loose')
    union all
    select 'recordings/sha256:' || encode(sha256(convert_to(name, 'UTF8')), 'hex')
    from folder_objects where k = 'odd'$$,
  '[STO-041] each removal is audited: shaped names verbatim, the odd name as recordings/sha256:<hex>');
select is_empty(
  $$select e.target_id from audit.events e where e::text ~* 'jane|doe'$$,
  '[STO-042] the odd name''s content (Jane Doe) is nowhere in the audit trail');
select is_empty(
  $$select e.target_id from audit.events e
    where e.action = 'storage_object.removed'
      and e.target_id !~ '^recordings/(sha256:[0-9a-f]{64}|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/){3}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(webm|ogg|mp3|m4a|wav))$'$$,
  '[STO-043] every storage_object.removed event in this file names an ids-only object or a sha256');
select results_eq(
  $$select private.audited_object_name('recordings', n) ~ '^recordings/sha256:[0-9a-f]{64}$'
    from (values
      ('30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d8e000-0000-4000-8000-000000000001/30d8e000-0000-4000-8000-000000000002.webm'),
      ('30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d8e000-0000-4000-8000-000000000001/jane.doe@example.test.webm'),
      ('30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d8e000-0000-4000-8000-000000000001/30d8e000-0000-4000-8000-000000000002.webm.txt'),
      ('30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/extra/30d8e000-0000-4000-8000-000000000001/30d8e000-0000-4000-8000-000000000002.webm'),
      (E'30d00000-0000-4000-8000-000000000001/30d5e000-0000-4000-8000-0000000000a1/30d8e000-0000-4000-8000-000000000001/30d8e000-0000-4000-8000-000000000002.webm\nJane Doe')
    ) v(n)$$,
  $$values (false), (true), (true), (true), (true)$$,
  '[STO-044] only the exact ids-only shape is audited verbatim: an email, a second extension, an extra folder or a trailing line is hashed');

-- ---------------------------------------------------------------------------------------------
-- Nobody but the jobs (postgres) runs any of it
-- ---------------------------------------------------------------------------------------------
select is_empty(
  $$select r, f::text from unnest(array['anon', 'authenticated', 'service_role']) r,
      unnest(array[
        'private.hard_delete_surveys(uuid[], text, text, uuid)',
        'private.purge_expired_surveys(integer, text)',
        'private.preview_expired_surveys()',
        'private.claim_storage_removals(integer, interval)',
        'private.settle_storage_removals(bigint[], text[], text, text)',
        'private.storage_removal_status()',
        'private.reconcile_recordings()',
        'private.delete_organization_now(uuid, text, text, uuid)']::regprocedure[]) f
    where has_function_privilege(r, f, 'execute')$$,
  '[PRV-020] anon, authenticated and service_role can execute none of the purge and outbox functions');
select tests.authenticate_as_service_role();
select throws_ok($$select private.purge_expired_surveys(10)$$, '42501',
  'permission denied for function purge_expired_surveys', '[PRV-021] service_role cannot run the purge');
select throws_ok($$select * from private.storage_removals$$, '42501',
  'permission denied for table storage_removals', '[PRV-022] service_role cannot read the outbox');
select throws_ok($$select * from private.storage_removal_backlog$$, '42501',
  'permission denied for view storage_removal_backlog', '[PRV-023] service_role cannot read the backlog view');
select tests.clear_authentication();
select tests.authenticate_as('30000000-0000-4000-8000-00000000000a');
select throws_ok($$select private.hard_delete_surveys(array[gen_random_uuid()], 'x', 'x')$$, '42501',
  'permission denied for function hard_delete_surveys', '[PRV-024] a user cannot hard-delete surveys');
select throws_ok($$select * from private.claim_storage_removals()$$, '42501',
  'permission denied for function claim_storage_removals', '[PRV-025] a user cannot claim removals');
select tests.clear_authentication();

select * from finish();
rollback;
