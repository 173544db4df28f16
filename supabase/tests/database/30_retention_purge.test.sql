-- Retention purge: surveys soft-deleted 30 days ago or more are permanently deleted, in bounded
-- batches (private.retention_purge_batch), oldest deletion first: never before 30 days,
-- restored surveys untouched, exact counts, children removed, every recording queued in the
-- Storage outbox, survey.purged audited. The outbox itself is 33_hard_delete.test.sql.
-- SKIP LOCKED cannot be shown with one session; its presence is asserted in the function body
-- (docs/ACCOUNT_ERASURE.md explains the concurrency argument).
begin;
select plan(20);
set local timezone = 'UTC';
-- Start from an empty outbox: purge whatever else (the seed's demo data) is expired at the
-- latest time used below, then drop those outbox rows (all rolled back at the end).
select tests.set_now('2030-12-31 00:00:00+00');
select tests.run_retention_purge();
delete from private.storage_removals;

select tests.create_user('pat');
select tests.create_org('pat', 'Purge org');

select tests.create_survey('Purge org', v.slug, v.questions, v.responses)
from (values ('old', 2, 2), ('exact', 1, 2), ('young', 1, 1), ('restored', 1, 1), ('live', 1, 1))
  v(slug, questions, responses);
create temporary table s on commit drop as
  select slug, id from public.surveys where org_id = tests.org_id('Purge org');
create temporary table paths on commit drop as
  select s.slug, r.object_path, r.survey_id from public.recordings r join s on s.id = r.survey_id;
-- Every recording was uploaded before its row was written, as clients do; but one of old's
-- objects has already left Storage.
select tests.create_object('recordings', object_path) from paths
where object_path <> (select min(object_path) from paths where slug = 'old');

-- Soft deletions through the API, by Pat, at controlled times. "Now" is 2030-07-31 12:00.
create function pg_temp.delete_at(p_slug text, p_at timestamptz) returns void language plpgsql as $$
declare v_id uuid := (select id from s where slug = p_slug);
begin
  perform tests.set_now(p_at);
  perform tests.authenticate_as('pat');
  perform public.delete_survey(v_id, 'no_longer_needed');
  perform tests.clear_authentication();
end;
$$;
create function pg_temp.restore_at(p_slug text, p_at timestamptz) returns void language plpgsql as $$
declare v_id uuid := (select id from s where slug = p_slug);
begin
  perform tests.set_now(p_at);
  perform tests.authenticate_as('pat');
  perform public.restore_survey(v_id);
  perform tests.clear_authentication();
end;
$$;
select pg_temp.delete_at('old', '2030-07-01 11:00:00+00');       -- 30 days 1 hour before now
select pg_temp.delete_at('exact', '2030-07-01 12:00:00+00');     -- exactly 30 days before now
select pg_temp.delete_at('young', '2030-07-01 13:00:00+00');     -- 29 days 23 hours before now
select pg_temp.delete_at('restored', '2030-06-01 00:00:00+00');  -- long ago, but restored:
select pg_temp.restore_at('restored', '2030-06-20 00:00:00+00');

select tests.set_now('2030-07-31 12:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- Preview and bounds
-- ---------------------------------------------------------------------------------------------
select is(
  private.retention_purge_preview() - 'oldest_deleted_at',
  '{"surveys":2,"questions":3,"responses":4,"recordings":6,"transcripts":6}'::jsonb,
  '[PUR-001] the dry run counts old and exact (30 days or more), not young (29 d 23 h)');
select is(
  (private.retention_purge_preview() ->> 'oldest_deleted_at')::timestamptz, '2030-07-01 11:00:00+00'::timestamptz,
  '[PUR-002] the dry run names the oldest deletion');
select results_eq(
  $$select (select count(*)::int from public.surveys where org_id = tests.org_id('Purge org')),
    (select count(*)::int from public.recordings where org_id = tests.org_id('Purge org')),
    (select count(*)::int from private.storage_removals),
    (select count(*)::int from audit.events where action = 'survey.purged'
     and org_id = tests.org_id('Purge org'))$$,
  $$values (5, 9, 0, 0)$$,
  '[PUR-003] the dry run changed nothing');
select throws_ok($$select private.retention_purge_batch(0)$$, '22023',
  'batch size must be between 1 and 5000, got 0', '[PUR-004] batch size 0 is refused');
select throws_ok($$select private.retention_purge_batch(5001)$$, '22023',
  'batch size must be between 1 and 5000, got 5001', '[PUR-005] batch size 5001 is refused');
-- (If the call is accepted, the DO block raises XX000 and its effects are rolled back.)
select throws_ok(
  $q$do $b$ begin perform private.retention_purge_batch(null);
    raise exception 'a null batch size was accepted' using errcode = 'XX000'; end $b$ $q$,
  '22023', null,
  '[PUR-006] a null batch size is refused (not taken as "no limit")');
select is(
  (select count(*)::int from public.surveys where org_id = tests.org_id('Purge org')),
  5, '[PUR-007] the refused calls purged nothing');

-- ---------------------------------------------------------------------------------------------
-- Purge: oldest first, exact counts, never early
-- ---------------------------------------------------------------------------------------------
select is(
  private.retention_purge_batch(1),
  '{"surveys":1,"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb,
  '[PUR-010] batch of 1: the oldest deletion (old) goes first, with exact counts');
select is(
  private.retention_purge_batch(5000),
  '{"surveys":1,"questions":1,"responses":2,"recordings":2,"transcripts":2}'::jsonb,
  '[PUR-011] then exact (deleted exactly 30 days ago)');
select is(
  private.retention_purge_batch(5000),
  '{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0}'::jsonb,
  '[PUR-012] then nothing: young is 29 days 23 hours into its 30 days');
select set_eq(
  $$select slug from public.surveys where org_id = tests.org_id('Purge org')$$,
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
  $$select 'recordings'::text as bucket_id, object_path, tests.org_id('Purge org') as org_id,
      survey_id, 'retention_expired'::text as cause, 0 as attempts from paths where slug in ('old', 'exact')
    and object_path <> (select min(object_path) from paths where slug = 'old')$$,
  '[PUR-016] one outbox row per purged recording in Storage, attributed to its organisation and survey; none for the object already gone');
select bag_eq(
  $$select e.target_id, e.org_id, e.reason, e.actor_kind, e.actor_job, e.details from audit.events e
    where e.action = 'survey.purged' and e.org_id = tests.org_id('Purge org')$$,
  $$values ((select id::text from s where slug = 'old'), tests.org_id('Purge org'),
      'retention_expired'::text, 'system'::text, 'retention_purge'::text,
      '{"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb),
    ((select id::text from s where slug = 'exact'), tests.org_id('Purge org'),
      'retention_expired', 'system', 'retention_purge',
      '{"questions":1,"responses":2,"recordings":2,"transcripts":2}'::jsonb)$$,
  '[PUR-017] each purged survey is audited with its counts, as the retention job');
select tests.set_now('2030-07-31 13:00:00+00');
select is(
  private.retention_purge_batch(5000) ->> 'surveys', '1',
  '[PUR-018] an hour later, young reaches 30 days and is purged');
select set_eq(
  $$select slug from public.surveys where org_id = tests.org_id('Purge org')$$,
  $$values ('restored'), ('live')$$,
  '[PUR-019] the restored survey (deleted 60 days ago) is never purged');
select ok(
  pg_get_functiondef('private.retention_purge_batch(integer, text)'::regprocedure) ~* 'for\s+update\s+skip\s+locked',
  '[PUR-020] the purge takes its batch FOR UPDATE SKIP LOCKED (concurrent runs and restores never collide)');

-- ---------------------------------------------------------------------------------------------
-- Nobody but the jobs (postgres) runs it
-- ---------------------------------------------------------------------------------------------
select is_empty(
  $$select r, f::text from unnest(array['anon', 'authenticated', 'service_role']) r,
      unnest(array[
        'private.retention_purge_batch(integer, text)',
        'private.retention_purge_preview()']::regprocedure[]) f
    where has_function_privilege(r, f, 'execute')$$,
  '[PRV-020] anon, authenticated and service_role can execute neither purge function');
select tests.authenticate_as_service_role();
select throws_ok($$select private.retention_purge_batch(10)$$, '42501',
  'permission denied for function retention_purge_batch', '[PRV-021] service_role cannot run the purge');
select tests.clear_authentication();

select * from finish();
rollback;
