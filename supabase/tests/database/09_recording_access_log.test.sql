-- 09 Recording access: the broker's grants (public.recording_access, public.survey_playlist,
-- public.recording_upload_slot) answer only members, about live surveys, with one "not found"
-- for everything else, and write every grant to audit.recording_access: append-only for every
-- role, partitioned by month, kept 13 months by a job that drops whole partitions and audits
-- each drop. (The signed URLs themselves: supabase/functions/tests/recording_access_test.ts.)
begin;
select plan(32);
select tests.create_user('ada');
select tests.create_org('ada', 'Acme');
select tests.create_user('mo');
select tests.add_member('Acme', 'mo', 'member');
select tests.create_user('zed');
select tests.create_org('zed', 'Zeta');
select tests.create_survey('Acme', 'live', 2, 2);
select tests.create_survey('Acme', 'trashed', 1, 1);
update public.surveys set deleted_at = now() where id = tests.survey_id('Acme', 'trashed');
create temp table fx as select
  (select r.id from public.recordings r where r.survey_id = tests.survey_id('Acme', 'live')
   order by r.id limit 1) as live_recording,
  (select r.id from public.recordings r where r.survey_id = tests.survey_id('Acme', 'trashed')
   limit 1) as trashed_recording,
  (select r.id from public.responses r where r.survey_id = tests.survey_id('Acme', 'live')
   order by r.id limit 1) as live_response,
  (select r.id from public.responses r where r.survey_id = tests.survey_id('Acme', 'trashed')
   limit 1) as trashed_response,
  '6f1f7c0e-2b1a-4c3d-9e8f-0a1b2c3d4e5f'::uuid as request_id;
grant select on fx to authenticated;

-- A member's grants ------------------------------------------------------------------------------
select tests.authenticate_as('mo');
select set_config('request.headers', json_build_object('x-request-id', (select request_id from fx))::text, true);
select is(public.recording_access((select live_recording from fx)),
  (select object_path from public.recordings where id = (select live_recording from fx)),
  '[ACC-001] a member gets the object name of a live recording');
select is((select count(*)::int from public.survey_playlist(tests.survey_id('Acme', 'live'))), 4,
  '[ACC-002] a member gets the whole playlist of a live survey in one call');
select matches(public.recording_upload_slot((select live_response from fx), 'webm'),
  '^' || tests.org_id('Acme') || '/' || tests.survey_id('Acme', 'live') || '/'
    || (select live_response from fx) || '/[0-9a-f-]{36}\.webm$',
  '[ACC-003] a member gets an ids-only upload slot in one response of a live survey');
select throws_ok($$select public.recording_upload_slot((select live_response from fx), 'html')$$,
  '22023', 'extension must be one of webm, ogg, mp3, m4a, wav',
  '[ACC-004] an upload slot is for audio only');

-- Refusals: one answer -----------------------------------------------------------------------------
select throws_ok($$select public.recording_access((select trashed_recording from fx))$$,
  'P0002', 'recording not found', '[ACC-005] a recording of a trashed survey: not found');
select throws_ok(format('select public.recording_access(%L)', gen_random_uuid()),
  'P0002', 'recording not found', '[ACC-006] an unknown recording: the same not found');
select throws_ok(format('select public.survey_playlist(%L)', tests.survey_id('Acme', 'trashed')),
  'P0002', 'survey not found', '[ACC-007] the playlist of a trashed survey: not found');
select throws_ok($$select public.recording_upload_slot((select trashed_response from fx), 'webm')$$,
  'P0002', 'response not found', '[ACC-008] no upload slot under a trashed survey');
select tests.clear_authentication(), tests.authenticate_as('zed');
select throws_ok($$select public.recording_access((select live_recording from fx))$$,
  'P0002', 'recording not found', '[ACC-009] another organisation''s recording: the same not found');
select throws_ok(format('select public.survey_playlist(%L)', tests.survey_id('Acme', 'live')),
  'P0002', 'survey not found', '[ACC-010] another organisation''s playlist: not found');
select throws_ok($$select public.recording_upload_slot((select live_response from fx), 'webm')$$,
  'P0002', 'response not found', '[ACC-011] no upload slot in another organisation');
select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok($$select public.recording_access((select live_recording from fx))$$,
  '42501', null, '[ACC-012] anon cannot call the broker''s functions');
select tests.clear_authentication();
delete from public.memberships where org_id = tests.org_id('Acme') and user_id = tests.user_id('mo');
select tests.authenticate_as('mo');
select throws_ok($$select public.recording_access((select live_recording from fx))$$,
  'P0002', 'recording not found', '[ACC-013] a removed member: not found, at once');
select tests.clear_authentication();

-- The log -----------------------------------------------------------------------------------------
select results_eq(
  $$select access_path, count(*)::int, count(distinct request_id)::int,
      bool_and(request_id = (select request_id::text from fx)),
      bool_and(user_id = tests.user_id('mo') and org_id = tests.org_id('Acme')
        and survey_id = tests.survey_id('Acme', 'live'))
    from audit.recording_access where user_id = tests.user_id('mo')
    group by access_path order by access_path$$,
  $$values ('playlist'::text, 4, 1, true, true), ('single', 1, 1, true, true),
    ('upload', 1, 1, true, true)$$,
  '[ACC-014] every grant is logged (who, which organisation and survey, which path, which request); refusals are not');
select results_eq(
  $$select recording_id, response_id from audit.recording_access
    where user_id = tests.user_id('mo') and access_path = 'single'$$,
  $$select id, response_id from public.recordings where id = (select live_recording from fx)$$,
  '[ACC-015] a single grant names its response and recording');
select results_eq(
  $$select (count(*) filter (where a::text like '%@%'))::int,
      (count(*) filter (where not private.is_recording_object_name(a.object_name)))::int
    from audit.recording_access a$$,
  $$values (0, 0)$$,
  '[ACC-016] no emails in the log, and object names are ids only (its other columns are ids, codes and times)');

-- Append-only for every role ----------------------------------------------------------------------
select throws_ok($$update audit.recording_access set user_id = gen_random_uuid()$$, '42501', null,
  '[ACC-017] postgres cannot update the log');
select throws_ok($$delete from audit.recording_access$$, '42501', null,
  '[ACC-018] postgres cannot delete from the log');
select throws_ok($$truncate audit.recording_access$$, '42501', null,
  '[ACC-019] postgres cannot truncate the log');
select throws_ok(format('truncate audit.%I', 'recording_access_' || to_char(now() at time zone 'UTC', 'YYYY_MM')),
  '42501', null, '[ACC-020] nor one of its partitions');
select throws_ok($$insert into audit.recording_access (user_id, org_id, survey_id, response_id,
    object_name, access_path, request_id) values (gen_random_uuid(), gen_random_uuid(),
    gen_random_uuid(), gen_random_uuid(), 'x', 'single', 'r')$$, '42501', null,
  '[ACC-021] nor write a row of its own making (grants append through the broker only)');
-- The log's owner: tests.as_audit_owner(sql) runs a statement as cluso_audit_owner and returns
-- the rows it touched.
select is(tests.as_audit_owner('update audit.recording_access set user_id = gen_random_uuid()'), 0::bigint,
  '[ACC-028] even its owner updates nothing (RLS is forced and grants it no update)');
select is(tests.as_audit_owner('delete from audit.recording_access'), 0::bigint,
  '[ACC-029] ... and deletes nothing');
select throws_ok($$select tests.as_audit_owner('truncate audit.recording_access')$$, '42501',
  'the audit trail is append-only: TRUNCATE on audit.recording_access is not allowed',
  '[ACC-030] ... and its truncate is refused by the log''s trigger');
select throws_ok(format($$select tests.as_audit_owner('truncate audit.%I')$$,
    'recording_access_' || to_char(now() at time zone 'UTC', 'YYYY_MM')), '42501', null,
  '[ACC-031] ... on every partition too');
select tests.authenticate_as_service_role();
select throws_ok($$delete from audit.recording_access$$, '42501', null,
  '[ACC-022] service_role cannot delete from the log');
select tests.clear_authentication(), tests.authenticate_as('ada');
select throws_ok($$select * from audit.recording_access$$, '42501', null,
  '[ACC-023] clients cannot read the log');
select tests.clear_authentication();

-- Rotation follows the project's clock: a date in the future, from the role ops use, drops nothing.
select results_eq(
  $$select audit.recording_access_rotate(now() + interval '100 years') -> 'dropped',
    to_regclass('audit.recording_access_' || to_char(now() at time zone 'UTC', 'YYYY_MM')) is not null$$,
  $$values ('[]'::jsonb, true)$$,
  '[ACC-032] a rotation asked for in the future drops no partition (this month''s stays)');

-- Retention: whole partitions older than 13 months dropped, and audited ---------------------------
create temp table this_month as select count(*)::int as grants from audit.recording_access
  where accessed_at >= date_trunc('month', now() at time zone 'UTC') at time zone 'UTC';
select tests.set_now(date_trunc('month', now()) + interval '15 months' + interval '2 days');
select results_eq(
  $$select check_name, ok from private.job_health() where check_name like 'recording_access%' order by 1$$,
  $$values ('recording_access_partitions_ahead'::text, false), ('recording_access_retention_kept', false)$$,
  '[ACC-024] job health is red while the partitions are behind the clock');
select is(
  (private.recording_access_retention() -> 'dropped') @> to_jsonb(array['recording_access_'
    || to_char(now() at time zone 'UTC', 'YYYY_MM')]),
  true, '[ACC-025] the retention job drops the partitions older than 13 months, this one included');
select results_eq(
  $$select target_id, reason, (details ->> 'rows')::int, actor_job from audit.events
    where action = 'recording_access.partition_dropped'
      and target_id = 'recording_access_' || to_char(now() at time zone 'UTC', 'YYYY_MM')$$,
  $$values ('recording_access_' || to_char(now() at time zone 'UTC', 'YYYY_MM'), 'retention'::text,
    (select grants from this_month), 'recording_access_retention'::text)$$,
  '[ACC-026] each drop is in the audit trail, with the number of grants it removed');
select results_eq(
  $$select check_name, ok from private.job_health() where check_name like 'recording_access%' order by 1$$,
  $$values ('recording_access_partitions_ahead'::text, true), ('recording_access_retention_kept', true)$$,
  '[ACC-027] and job health is green again');

select * from finish();
rollback;
