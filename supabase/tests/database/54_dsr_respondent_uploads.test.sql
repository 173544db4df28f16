-- Uploads after a respondent's erasure (docs/DATA_SUBJECT_RIGHTS.md, "Respondents"): a signed
-- upload URL lives two hours, so one granted before the erasure may be used after it. Its write
-- into the erased response's folder is refused, with the answer any refused upload gets (no
-- existence oracle: a response that never existed gets the same); a write nobody refuses (the
-- service role's own, a direct one) is found by the orphan sweep once its grace period is over,
-- and job health reports it until it is queued. (The race itself, an upload waiting on an erasure
-- in progress, is proven with two sessions in supabase/tests/concurrency.)
begin;
select plan(10);

delete from private.storage_removals;
select tests.create_user('ada');
select tests.create_user('mo');
select tests.create_org('ada', 'Panel org');
select tests.add_member('Panel org', 'mo', 'member');
select tests.create_survey(tests.org_id('Panel org'), 'p1', 1, 0);
insert into public.responses (org_id, survey_id, respondent_ref)
select s.org_id, s.id, v.ref from public.surveys s, (values ('R-1'), ('R-2')) v(ref)
where s.id = tests.survey_id('Panel org', 'p1');
select tests.remember_id(r.respondent_ref, r.id) from public.responses r
where r.survey_id = tests.survey_id('Panel org', 'p1');

-- A fresh recording object's name in the folder of the response p_response_id of survey p1.
create function pg_temp.recording_name(p_response_id uuid)
returns text
language sql
as $$
  select tests.org_id('Panel org') || '/' || tests.survey_id('Panel org', 'p1') || '/'
    || p_response_id || '/' || gen_random_uuid() || '.webm';
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

create temporary table names on commit drop as
  select 'R-1 before'::text as label, pg_temp.recording_name(tests.remembered_id('R-1')) as name
  union all select 'R-1 after', pg_temp.recording_name(tests.remembered_id('R-1'))
  union all select 'R-1 direct', pg_temp.recording_name(tests.remembered_id('R-1'))
  union all select 'R-2 after', pg_temp.recording_name(tests.remembered_id('R-2'))
  union all select 'made up', pg_temp.recording_name(gen_random_uuid());

select is(pg_temp.signed_upload((select name from names where label = 'R-1 before')), '1 rows',
  '[RSU-001] control: before the erasure a signed upload into the respondent''s response is accepted');
select tests.authenticate_as('ada');
select is(public.respondent_erase(tests.org_id('Panel org'), 'R-1') -> 'counts' ->> 'storage_objects_queued',
  '1', '[RSU-002] control: the erasure queues the object uploaded before it');
select tests.clear_authentication();

select is(pg_temp.signed_upload((select name from names where label = 'R-1 after')),
  '42501: new row violates row-level security policy for table "objects"',
  '[RSU-003] a signed upload granted before the erasure and used after it is refused');
select is(pg_temp.signed_upload((select name from names where label = 'made up')),
  '42501: new row violates row-level security policy for table "objects"',
  '[RSU-004] so is one into a response that never existed in a live survey (the same answer: no existence oracle)');
select is(pg_temp.signed_upload((select name from names where label = 'R-2 after')), '1 rows',
  '[RSU-005] control: another respondent''s response of the same survey still takes uploads');

-- A write nobody refuses (here: as postgres) into the erased response's folder.
select lives_ok(format($$select tests.create_object('recordings', %L)$$,
  (select name from names where label = 'R-1 direct')),
  '[RSU-006] control: a direct write into the erased response''s folder is not refused (the sweep catches it)');
select is(private.storage_orphan_sweep(interval '1 hour'), 0,
  '[RSU-007] control: nothing is queued within the grace period (an upload may be in flight)');
update storage.objects set created_at = now() - interval '3 hours'
where name in (select name from names);
select results_eq(
  $$select ok, detail from private.job_health() where check_name = 'recordings_swept'$$,
  $$values (false, '{"orphans_unqueued": 1}'::jsonb)$$,
  '[RSU-008] job health is red while it waits unqueued past the grace period');
select is(private.storage_orphan_sweep(interval '1 hour'), 1,
  '[RSU-009] the sweep queues exactly that object (the accepted upload into R-2 stays)');
select set_eq(
  $$select object_name, cause, survey_id from private.storage_removals$$,
  $$select name, 'respondent_erasure'::text, tests.survey_id('Panel org', 'p1') from names
      where label = 'R-1 before'
    union all
    select name, 'orphan_swept'::text, tests.survey_id('Panel org', 'p1') from names
      where label = 'R-1 direct'$$,
  '[RSU-010] for the Storage drain: the erasure''s object and the swept one, nothing else');

select * from finish();
rollback;
