-- No recording escapes a deletion: no client writes recording objects itself (the broker's
-- signed upload URLs, whose write the Storage API makes as service_role, are the way in), a
-- client's upload into a survey that is gone or in the trash is refused too, and any
-- recording object whose survey no longer exists is swept into the Storage outbox after a grace
-- period, whoever wrote it: the service role and direct writes are not refused. (The race
-- itself, an upload waiting on a deletion in progress, is proven with two sessions in
-- supabase/tests/concurrency; uploads into a response that is gone, in
-- 54_dsr_respondent_uploads.)
begin;
select plan(13);
select tests.create_user('ada');
select tests.create_org('ada', 'Acme');
select tests.create_user('mo');
select tests.add_member('Acme', 'mo', 'member');
select tests.create_survey('Acme', 'live', 1, 1);
select tests.create_survey('Acme', 'trashed', 1, 1);
update public.surveys set deleted_at = now() where id = tests.survey_id('Acme', 'trashed');

-- A fresh recording object's name in the folder of a response of the survey p_survey_id of Acme
-- (a made-up response id when the survey has none).
create function pg_temp.recording_name(p_survey_id uuid)
returns text
language sql
as $$
  select tests.org_id('Acme') || '/' || p_survey_id || '/'
    || coalesce((select r.id from public.responses r where r.survey_id = p_survey_id limit 1),
      gen_random_uuid()) || '/' || gen_random_uuid() || '.webm';
$$;
-- The member's direct upload of p_name, as the Storage API would write it for a signed-in client.
create function pg_temp.member_upload(p_name text)
returns text
language sql
as $$
  select tests.attempt('mo', format(
    'insert into storage.objects (bucket_id, name, owner_id) values (%L, %L, %L)',
    'recordings', p_name, tests.user_id('mo')));
$$;
-- The member's upload of p_name through a signed upload URL the broker granted: the Storage API
-- writes it as service_role, with the member (the token's owner) as the owner.
create function pg_temp.signed_upload(p_name text)
returns text
language plpgsql
as $$
declare
  v_outcome text;
begin
  perform set_config('storage.operation', 'storage.object.upload_signed', true);
  v_outcome := tests.attempt('service_role', format(
    'insert into storage.objects (bucket_id, name, owner_id) values (%L, %L, %L)',
    'recordings', p_name, tests.user_id('mo')));
  perform set_config('storage.operation', '', true);
  return v_outcome;
end;
$$;
-- Every object name written below, to count the orphans exactly.
create temporary table uploaded (name text primary key, writer text not null) on commit drop;
insert into uploaded values
  (pg_temp.recording_name(tests.survey_id('Acme', 'live')), 'postgres'),
  (pg_temp.recording_name(tests.survey_id('Acme', 'live')), 'mo'),
  (pg_temp.recording_name(tests.survey_id('Acme', 'live')), 'mo (direct)'),
  (pg_temp.recording_name(tests.survey_id('Acme', 'trashed')), 'mo (trashed)'),
  (pg_temp.recording_name(gen_random_uuid()), 'mo (no survey)');

select lives_ok(format($$select tests.create_object('recordings', %L)$$,
  (select name from uploaded where writer = 'postgres')),
  'UPL-001 an upload into a live survey is accepted (control)');
select is(pg_temp.signed_upload((select name from uploaded where writer = 'mo')), '1 rows',
  'UPL-009 a member''s signed upload into a live survey is accepted (control for the refusals)');
select is(pg_temp.member_upload((select name from uploaded where writer = 'mo (direct)')),
  '42501: new row violates row-level security policy for table "objects"',
  'UPL-012 a member''s direct upload is refused, even into a live survey of their own');
select is(pg_temp.signed_upload((select name from uploaded where writer = 'mo (trashed)')),
  '42501: new row violates row-level security policy for table "objects"',
  'UPL-013 a signed upload that arrives after its survey went to the trash is refused too');
select is(pg_temp.member_upload((select name from uploaded where writer = 'mo (trashed)')),
  '42501: new row violates row-level security policy for table "objects"',
  'UPL-002 a member''s upload into a trashed survey is refused');
select is(pg_temp.member_upload((select name from uploaded where writer = 'mo (no survey)')),
  '42501: new row violates row-level security policy for table "objects"',
  'UPL-003 so is a member''s upload into a survey that does not exist (the same answer: no existence oracle)');
delete from uploaded where writer in ('mo (direct)', 'mo (trashed)', 'mo (no survey)');

-- An object left behind by a path that skipped the outbox (here: the survey row deleted
-- directly, then a direct write into its folder) is an orphan.
select tests.remember_id('live', tests.survey_id('Acme', 'live'));
delete from public.surveys where id = tests.survey_id('Acme', 'live');
insert into uploaded values (pg_temp.recording_name(tests.remembered_id('live')), 'postgres (gone)');
select lives_ok(format($$select tests.create_object('recordings', %L)$$,
  (select name from uploaded where writer = 'postgres (gone)')),
  'UPL-010 a direct write (as postgres) into a gone survey''s folder is not refused (the sweep catches it)');
select set_eq(
  $$select object_name from private.storage_orphans(interval '0')$$,
  $$select name from uploaded$$,
  'UPL-004 exactly the three objects outliving their survey are found (the control, the member''s and the direct write)');
select is(private.storage_orphan_sweep(interval '1 hour'), 0,
  'UPL-005 not within the grace period (an upload may be in flight)');
update storage.objects set created_at = now() - interval '3 hours'
where name in (select name from uploaded);
select results_eq(
  $$select ok, detail from private.job_health() where check_name = 'recordings_swept'$$,
  $$values (false, '{"orphans_unqueued": 3}'::jsonb)$$,
  'UPL-006 job health is red while the three wait unqueued past the grace period');
select is(private.storage_orphan_sweep(interval '1 hour'), 3, 'UPL-007 the sweep queues the three');
select set_eq(
  $$select r.object_name, r.cause, r.survey_id from private.storage_removals r
    where r.object_name in (select name from uploaded)$$,
  $$select name, 'orphan_swept'::text, tests.remembered_id('live') from uploaded$$,
  'UPL-008 for the Storage drain, which removes and audits them (cause orphan_swept)');
select results_eq(
  $$select ok, detail from private.job_health() where check_name = 'recordings_swept'$$,
  $$values (true, '{"orphans_unqueued": 0}'::jsonb)$$,
  'UPL-011 once queued, job health is green again');

select * from finish();
rollback;
