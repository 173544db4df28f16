-- Hard delete and the Storage outbox (private.storage_removals), which removes the recordings
-- of permanently deleted rows through the Storage API:
--   * hard_delete_surveys queues every object in a survey's folder, and nothing outside it;
--   * claims: limits and leases; settle: returned / gone / still present, every removal
--     audited (ids-only names verbatim, any other name as a sha256);
--   * exponential backoff capped at 1 hour, stuck removals visible to ops;
--   * reconcile_recordings.
-- The retention purge, organisation deletion and account erasure fill the outbox; their
-- suites check what they queue.
begin;
select plan(51);
set local timezone = 'UTC';
-- Start from an empty outbox (all rolled back at the end).
delete from private.storage_removals;
select tests.set_now('2030-07-31 13:00:00+00');

select tests.create_user('pat');
select tests.create_org('pat', 'Outbox org');
select tests.create_org('pat', 'Reconcile org');
select tests.create_survey('Outbox org', v.slug, v.questions, v.responses)
from (values ('old', 2, 2), ('exact', 1, 2), ('young', 1, 1)) v(slug, questions, responses);
create temporary table paths on commit drop as
  select s.slug, r.object_path from public.recordings r join public.surveys s on s.id = r.survey_id
  where s.org_id = tests.org_id('Outbox org');
-- Every recording was uploaded before its row was written, as clients do: its object is in
-- Storage.
select tests.create_object('recordings', object_path) from paths;
-- Hard-deleted one after the other, as the retention purge deletes them: old's 4 removals are
-- queued first, then exact's 2, then young's 1.
select private.hard_delete_surveys(array[tests.survey_id('Outbox org', 'old')], 'retention_expired',
  'retention_purge');
select private.hard_delete_surveys(array[tests.survey_id('Outbox org', 'exact')],
  'retention_expired', 'retention_purge');
select private.hard_delete_surveys(array[tests.survey_id('Outbox org', 'young')],
  'retention_expired', 'retention_purge');
-- Exact's objects are then gone from Storage behind the outbox's back (a remove() call whose
-- answer was lost): settle must count them as removed.
do $$ begin perform set_config('storage.allow_delete_query', 'true', true); end $$;
delete from storage.objects o using paths p where p.slug = 'exact' and o.name = p.object_path;
do $$ begin perform set_config('storage.allow_delete_query', '', true); end $$;

-- ---------------------------------------------------------------------------------------------
-- The Storage outbox: claims and leases
-- ---------------------------------------------------------------------------------------------
select throws_ok($$select * from private.storage_removal_claim(0)$$, '22023',
  'a Storage remove() call takes 1 to 1000 names, got 0', '[STO-001] a claim of 0 names is refused');
select throws_ok($$select * from private.storage_removal_claim(1001)$$, '22023',
  'a Storage remove() call takes 1 to 1000 names, got 1001', '[STO-002] a claim of 1001 names is refused');
select throws_ok(
  $q$do $b$ begin perform private.storage_removal_claim(null);
    raise exception 'a null limit was accepted' using errcode = 'XX000'; end $b$ $q$,
  '22023', null,
  '[STO-003] a null limit is refused (not taken as "no limit")');
create temporary table batch1 on commit drop as select * from private.storage_removal_claim(3);
select results_eq(
  $$select id, object_name, attempts from batch1 order by id$$,
  $$select id, object_name, 1 from private.storage_removals order by id limit 3$$,
  '[STO-004] a claim of 3 leases the 3 oldest entries, attempts 1');
create temporary table batch2 on commit drop as select * from private.storage_removal_claim(1000);
select results_eq(
  $$select count(*)::int, count(*) filter (where id in (select id from batch1))::int from batch2$$,
  $$values (4, 0)$$,
  '[STO-005] a second claim gets the 4 others, none of the leased ones');
select is_empty($$select * from private.storage_removal_claim(1000)$$,
  '[STO-006] a third claim gets nothing while the leases are live');
select is(
  (select count(*)::int from private.storage_removals where leased_until = '2030-07-31 13:05:00+00'),
  7, '[STO-007] each lease lasts 5 minutes');
select ok(
  pg_get_functiondef('private.storage_removal_claim(integer, interval)'::regprocedure)
    ~* 'for\s+update\s+skip\s+locked',
  '[STO-008] the claim takes its rows FOR UPDATE SKIP LOCKED (concurrent runners never share one)');

-- ---------------------------------------------------------------------------------------------
-- Settle: removed (returned), removed (gone from storage.objects), failed (still present)
-- ---------------------------------------------------------------------------------------------
-- batch2 = old's 4th recording (still in Storage), exact's 2 (already gone), young's 1 (present).
create temporary table x on commit drop as
  select b.id, b.object_name from batch2 b join paths p on p.object_path = b.object_name where p.slug = 'old';
select is((select count(*)::int from x), 1, '[STO-010] (fixture) batch2 holds one of old''s recordings');
select is(
  private.storage_removal_settle(array(select id from batch2),
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
  $$select 'recordings/' || object_path as target_id, tests.org_id('Outbox org') as org_id,
      'retention_expired'::text as reason, 'retention_purge'::text as actor_job, '{"attempts":1}'::jsonb as details
    from paths where slug in ('exact', 'young')$$,
  '[STO-013] every confirmed removal is audited with its object and attempts');
select is(
  private.storage_removal_settle(array(select id from batch1), array(select object_name from batch1)),
  '{"removed":3,"failed":0}'::jsonb,
  '[STO-014] a fully confirmed batch leaves the outbox');
select results_eq(
  $$select id from private.storage_removals$$, $$select id from x$$,
  '[STO-015] only the unconfirmed removal is left in the outbox');

-- ---------------------------------------------------------------------------------------------
-- Backoff: 30 s, 60 s, 120 s ... capped at 1 hour; stuck at 5 attempts
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2030-07-31 13:00:29+00');
select is_empty($$select * from private.storage_removal_claim()$$,
  '[STO-020] the failed removal is not retried before its backoff ends');
select results_eq($$select * from tests.fail_storage_removal_retry('HTTP 503 Service Unavailable')$$,
  $$values (2, interval '60 seconds')$$, '[STO-021] second failure: retry in 60 s');
select is((select last_error from private.storage_removals), 'HTTP 503 Service Unavailable',
  '[STO-022] the error Storage reported is recorded');
select results_eq($$select * from tests.fail_storage_removal_retry('HTTP 503 Service Unavailable')$$,
  $$values (3, interval '120 seconds')$$, '[STO-023] third failure: retry in 120 s');
select results_eq($$select * from tests.fail_storage_removal_retry('HTTP 503 Service Unavailable')$$,
  $$values (4, interval '240 seconds')$$, '[STO-024] fourth failure: retry in 240 s');
select is(private.storage_removal_status() ->> 'stuck', '0', '[STO-025] four attempts are not yet stuck');
select results_eq($$select * from tests.fail_storage_removal_retry('HTTP 500 Internal Error')$$,
  $$values (5, interval '480 seconds')$$, '[STO-026] fifth failure: retry in 480 s');
select is(
  private.storage_removal_status() - 'oldest_enqueued_at',
  '{"pending":1,"due":0,"stuck":1}'::jsonb,
  '[STO-027] storage_removal_status reports it stuck (5 attempts), pending and not due');
select results_eq(
  $$select bucket_id, object_name, attempts, stuck, last_error from private.storage_removal_backlog$$,
  $$select 'recordings'::text, object_name, 5, true, 'HTTP 500 Internal Error'::text from x$$,
  '[STO-028] the backlog view shows it, stuck, with the last error');
update private.storage_removals set attempts = 7;
select results_eq($$select * from tests.fail_storage_removal_retry('HTTP 500 Internal Error')$$,
  $$values (8, interval '1 hour')$$, '[STO-029] eighth failure: 30 s x 2^7 = 64 min is capped at 1 hour');
select results_eq($$select * from tests.fail_storage_removal_retry('HTTP 500 Internal Error')$$,
  $$values (9, interval '1 hour')$$, '[STO-030] and stays capped');

-- A runner that dies after claiming: the removal comes back when the lease expires.
select tests.set_now((select next_attempt_at from private.storage_removals));
select is((select count(*)::int from private.storage_removal_claim()), 1, '[STO-031] (fixture) claimed');
select tests.set_now((select next_attempt_at from private.storage_removals) + interval '4 minutes 59 seconds');
select is_empty($$select * from private.storage_removal_claim()$$,
  '[STO-032] not claimable while the dead runner''s lease lasts');
select tests.set_now((select next_attempt_at from private.storage_removals) + interval '5 minutes');
select results_eq($$select attempts from private.storage_removal_claim()$$, $$values (11)$$,
  '[STO-033] claimable again once the lease expires, the attempt counted');

-- ---------------------------------------------------------------------------------------------
-- Reconciliation of the recordings bucket
-- ---------------------------------------------------------------------------------------------
select tests.create_survey('Reconcile org', 'rec', 1, 2);
create temporary table rec on commit drop as
  select object_path, row_number() over (order by object_path) n from public.recordings
  where org_id = tests.org_id('Reconcile org');
select tests.create_object('recordings', object_path) from rec where n = 1;
select tests.create_object('recordings', tests.org_id('Reconcile org') || '/stray/upload.webm');
select tests.create_object('recordings', tests.org_id('Reconcile org') || '/queued/left.webm');
insert into private.storage_removals (bucket_id, object_name, org_id, cause)
values ('recordings', tests.org_id('Reconcile org') || '/queued/left.webm',
  tests.org_id('Reconcile org'), 'organization_deleted');
select set_eq(
  $$select problem, object_name from private.reconcile_recordings()
    where object_name like tests.org_id('Reconcile org') || '/%'$$,
  $$values ('missing_object'::text, (select object_path from rec where n = 2)),
    ('orphan_object', tests.org_id('Reconcile org') || '/stray/upload.webm')$$,
  '[REC-001] a row without its object is missing_object; an object without a row is orphan_object');
select is_empty(
  $$select * from private.reconcile_recordings() where object_name in (select object_name from private.storage_removals)$$,
  '[REC-002] objects waiting in the outbox are never reported as orphans');
select is(
  (select problem from private.reconcile_recordings() where object_name = (select object_name from x)),
  null, '[REC-003] (also the stuck one of the outbox organisation)');

-- ---------------------------------------------------------------------------------------------
-- A hard delete removes everything in the survey's folder, and nothing outside it
-- ---------------------------------------------------------------------------------------------
-- Survey F of the folder organisation is hard-deleted. In F's folder: the recording's object (its row
-- re-pointed to a new object, so the old one has no row any more), an upload no row points at,
-- and an oddly named object written by a service. Outside it: survey N (an id sharing all but
-- its last character with F's) and the same survey id under another organisation's folder.
select tests.create_org('pat', 'Folder org');
create temporary table folder on commit drop as
  select tests.org_id('Folder org') as org, f.id as f,
    overlay(f.id::text placing case when right(f.id::text, 1) = '0' then '1' else '0' end
      from 36)::uuid as n,
    gen_random_uuid() as response
  from (select gen_random_uuid() as id) f;
insert into public.surveys (id, org_id, title, slug)
select f, org, 'F', 'f' from folder
union all select n, org, 'N', 'n' from folder;
insert into public.questions (org_id, survey_id, position, prompt) select org, f, 1, 'Q' from folder;
insert into public.responses (id, org_id, survey_id, respondent_ref)
select response, org, f, 'resp-f' from folder;
create temporary table folder_objects on commit drop as
  select v.k, v.name from folder, lateral (values
    ('old', format('%s/%s/%s/%s.webm', org, f, response, gen_random_uuid())),
    ('new', format('%s/%s/%s/%s.ogg', org, f, response, gen_random_uuid())),
    ('loose', format('%s/%s/%s/%s.webm', org, f, gen_random_uuid(), gen_random_uuid())),
    ('odd', format('%s/%s/Jane Doe.webm', org, f)),
    ('neighbour', format('%s/%s/%s/%s.webm', org, n, gen_random_uuid(), gen_random_uuid())),
    ('other_org', format('%s/%s/%s/%s.webm', gen_random_uuid(), f, gen_random_uuid(),
      gen_random_uuid()))
  ) v(k, name);
insert into public.recordings (org_id, survey_id, response_id, question_id, object_path,
  duration_ms, size_bytes, mime_type)
select q.org_id, q.survey_id, folder.response, q.id,
  (select name from folder_objects where k = 'old'), 1000, 2048, 'audio/webm'
from folder join public.questions q on q.survey_id = folder.f;
select tests.create_object('recordings', name) from folder_objects;
-- Names that share F's folder as a prefix without being in it: a folder whose name extends
-- F's id, one with a suffix after a dash, and an object named like the folder itself.
create temporary table sibling_objects on commit drop as
  select format('%s/%s%s', org, f, v.tail) as name
  from folder, (values ('x/upload.webm'), ('-old/upload.webm'), ('')) v(tail);
select tests.create_object('recordings', name) from sibling_objects;
-- The row is re-pointed (as a service would: the API roles cannot update object_path).
update public.recordings set object_path = (select name from folder_objects where k = 'new')
where survey_id = (select f from folder);
create temporary table outbox_before_folder on commit drop as select id from private.storage_removals;

select is(
  private.hard_delete_surveys(array[(select f from folder)], 'retention_expired', 'retention_purge'),
  '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":0}'::jsonb,
  '[PUR-030] (fixture) the hard delete takes survey F alone');
select set_eq(
  $$select object_name, org_id, survey_id, cause from private.storage_removals
    where id not in (select id from outbox_before_folder)$$,
  $$select o.name as object_name, f.org as org_id, f.f as survey_id,
      'retention_expired'::text as cause
    from folder_objects o, folder f where o.k in ('old', 'new', 'loose', 'odd')$$,
  '[PUR-031] queued: the row''s object, the object its row was re-pointed away from, the unreferenced upload and the odd name, all of F''s folder');
select is_empty(
  $$select r.object_name from private.storage_removals r
    join folder_objects f on f.name = r.object_name where f.k in ('neighbour', 'other_org')$$,
  '[PUR-032] not queued: the object of survey N (id sharing a prefix with F''s) nor the one under another organisation''s folder');
select is_empty(
  $$select r.object_name from private.storage_removals r
    join sibling_objects o on o.name = r.object_name$$,
  '[PUR-035] not queued: objects whose names start with F''s folder but lie outside it');
-- The folder read itself: '_' and '%' are literal, and a folder never takes a sibling's objects.
select tests.create_object('recordings', n)
from unnest(array['t/a_b/1', 't/axb/1', 't/a%/1', 't/aZ/1', 't/a/b/1', 't/a/bc/1', 't/a/b']) n;
select set_eq(
  $$select folder, name from private.storage_folders_objects('recordings', array['t/a_b', 't/a%', 't/a/b'])$$,
  $$values ('t/a_b', 't/a_b/1'), ('t/a%', 't/a%/1'), ('t/a/b', 't/a/b/1')$$,
  '[PUR-036] a folder read takes exactly the folders'' objects: literal _ and %, no sibling folder');
select results_eq(
  $$select (select count(*)::int from public.surveys where id = (select n from folder)),
    (select count(*)::int from storage.objects o join folder_objects f on f.name = o.name
     where o.bucket_id = 'recordings' and f.k in ('neighbour', 'other_org'))$$,
  $$values (1, 2)$$,
  '[PUR-033] survey N stays and both outside objects stay in Storage');
select is(
  (select count(*)::int from private.reconcile_recordings() r join folder_objects f on f.name = r.object_name
   where f.k in ('old', 'loose', 'odd')),
  0, '[PUR-034] the queued leftovers are not reported as orphans while they wait in the outbox');

-- Settling them: ids-only names are audited verbatim, the odd name only as a sha256.
create temporary table folder_batch on commit drop as
  select r.id, r.object_name from private.storage_removals r
  where r.id not in (select id from outbox_before_folder);
select is(
  private.storage_removal_settle(array(select id from folder_batch), array(select object_name from folder_batch)),
  '{"removed":4,"failed":0}'::jsonb,
  '[STO-040] Storage confirmed all four removals');
select set_eq(
  $$select e.target_id from audit.events e
    where e.action = 'storage_object.removed' and e.org_id = (select org from folder)$$,
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
  $$select private.audited_object_name('recordings', v.name) ~ '^recordings/sha256:[0-9a-f]{64}$'
    from (select format('%s/%s/%s/', gen_random_uuid(), gen_random_uuid(), gen_random_uuid()) as dir,
        gen_random_uuid() as file) ids,
      lateral (values
        (1, dir || file || '.webm'),
        (2, dir || 'jane.doe@example.test.webm'),
        (3, dir || file || '.webm.txt'),
        (4, 'extra/' || dir || file || '.webm'),
        (5, dir || file || E'.webm\nJane Doe')
      ) v(n, name)
    order by v.n$$,
  $$values (false), (true), (true), (true), (true)$$,
  '[STO-044] only the exact ids-only shape is audited verbatim: an email, a second extension, an extra folder or a trailing line is hashed');

-- ---------------------------------------------------------------------------------------------
-- Nobody but the jobs (postgres) runs any of it
-- ---------------------------------------------------------------------------------------------
select is_empty(
  $$select r, f::text from unnest(array['anon', 'authenticated', 'service_role']) r,
      unnest(array[
        'private.hard_delete_surveys(uuid[], text, text, uuid)',
        'private.storage_removal_claim(integer, interval)',
        'private.storage_removal_settle(bigint[], text[], text, text)',
        'private.storage_removal_status()',
        'private.reconcile_recordings()']::regprocedure[]) f
    where has_function_privilege(r, f, 'execute')$$,
  '[PRV-026] anon, authenticated and service_role can execute none of the hard delete and outbox functions');
select tests.authenticate_as_service_role();
select throws_ok($$select * from private.storage_removals$$, '42501',
  'permission denied for table storage_removals', '[PRV-022] service_role cannot read the outbox');
select throws_ok($$select * from private.storage_removal_backlog$$, '42501',
  'permission denied for view storage_removal_backlog', '[PRV-023] service_role cannot read the backlog view');
-- The service key deletes no survey data outside the audited paths (20261210000200).
select throws_ok(
  format('delete from public.surveys where id = %L', tests.survey_id('Reconcile org', 'rec')),
  '42501', 'permission denied for table surveys',
  '[PRV-028] service_role cannot DELETE a survey through the table (no audit event, no trash, no Storage removal)');
select throws_ok($$truncate public.transcripts$$, '42501', 'permission denied for table transcripts',
  '[PRV-029] nor TRUNCATE a content table');
select throws_ok(
  format('update public.surveys set deleted_at = %L where id = %L', '2000-01-01',
    tests.survey_id('Reconcile org', 'rec')),
  '42501', 'permission denied for table surveys',
  '[PRV-030] nor backdate a survey into the trash (the next purge would delete it for good, unaudited as a soft delete)');
select tests.clear_authentication();
select tests.authenticate_as('pat');
select throws_ok($$select private.hard_delete_surveys(array[gen_random_uuid()], 'x', 'x')$$, '42501',
  'permission denied for function hard_delete_surveys', '[PRV-024] a user cannot hard-delete surveys');
select throws_ok($$select * from private.storage_removal_claim()$$, '42501',
  'permission denied for function storage_removal_claim', '[PRV-025] a user cannot claim removals');
select tests.clear_authentication();

select * from finish();
rollback;
