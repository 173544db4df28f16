-- Soft deletion of a survey through public.delete_survey(), called as PostgREST calls it
-- (role and request.jwt.claims set for the transaction): who may delete, what disappears, and
-- the audit event it leaves.
begin;
select plan(50);

-- Fixtures (as postgres) ---------------------------------------------------------------------
select tests.create_user('owner_a'), tests.create_user('admin_a'), tests.create_user('member_a'),
  tests.create_user('owner_b');
select tests.create_org('owner_a', 'Org A'), tests.create_org('owner_b', 'Org B');
select tests.add_member('Org A', 'admin_a', 'admin'), tests.add_member('Org A', 'member_a', 'member');

-- alpha: the survey deleted below (2 questions x 2 responses -> 4 recordings, 4 transcripts);
-- beta: its live sibling, which must stay visible; gamma: org B's survey.
select tests.create_survey('Org A', 'alpha', 2, 2) as alpha \gset
select tests.create_survey('Org A', 'beta', 2, 2) as beta \gset
select tests.create_survey('Org B', 'gamma', 1, 1) as gamma \gset

-- One Storage object per recording, under <org>/<survey>/<response>/<question>.webm.
select count(tests.create_object('recordings', r.object_path)) from public.recordings r;

-- What the caller can see of one survey: tests.survey_visible (helpers/10_fixtures.sql).

select tests.set_now('2026-03-01 10:00:00+00');

-- Before: everything visible ------------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('member_a');
select is(tests.survey_visible(:'alpha'),
  '{"surveys":1,"questions":2,"responses":2,"recordings":4,"transcripts":4,"objects":0,"playable":4}'::jsonb,
  '[DEL-001] before deletion a member sees the survey and its children, and plays its recordings through the broker (never reading Storage objects directly)');

-- Who may not delete -----------------------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok(format('select * from public.delete_survey(%L)', :'alpha'),
  '42501', 'permission denied for function delete_survey',
  '[DEL-002] anon cannot call delete_survey');

select tests.clear_authentication(), tests.authenticate_as('member_a');
select throws_ok(format('select * from public.delete_survey(%L)', :'alpha'),
  '42501', 'only admins and owners of the organisation can delete or restore surveys',
  '[DEL-003] a plain member cannot delete a survey of their organisation');

-- Nor does the refusal lock our row: membership is checked before the lock. A row lock taken
-- by the refused call (rolled back with throws_ok's subtransaction) would still set the row's
-- xmax.
select tests.clear_authentication();
select xmax::text as alpha_xmax from public.surveys where id = :'alpha' \gset
select tests.authenticate_as('owner_b');
select throws_ok(format('select * from public.delete_survey(%L)', :'alpha'),
  'P0002', format('survey %s not found', :'alpha'),
  '[DEL-004] the owner of another organisation gets "not found" for our survey');
select throws_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  'P0002', format('survey %s not found', :'alpha'),
  '[DEL-050] and from restore_survey (the same locking helper)');
select tests.clear_authentication();
select is((select xmax::text from public.surveys where id = :'alpha'), :'alpha_xmax'::text,
  '[DEL-049] another organisation''s refused calls took no lock on our survey row (xmax unchanged)');
select tests.authenticate_as('owner_b');
select gen_random_uuid() as missing_survey \gset
select throws_ok(format('select * from public.delete_survey(%L)', :'missing_survey'),
  'P0002', format('survey %s not found', :'missing_survey'),
  '[DEL-005] a survey that does not exist gives the same answer (existence does not leak)');

-- Why the RPC exists: a plain UPDATE through the table is refused. deleted_at / deleted_by are
-- not among the columns the API roles may update (UPDATE is granted column by column), so the
-- refusal comes before any policy is even consulted.
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select throws_ok(format(
    'update public.surveys set deleted_at = now(), deleted_by = auth.uid() where id = %L', :'alpha'),
  '42501', 'permission denied for table surveys',
  '[DEL-006] an admin cannot soft-delete by UPDATE: deleted_at is not updatable through the API, only delete_survey() soft-deletes');
select throws_ok(format('update public.surveys set deleted_by = auth.uid() where id = %L', :'alpha'),
  '42501', 'permission denied for table surveys',
  '[DEL-046] nor write deleted_by alone (no column of the soft-delete mark is updatable)');
select tests.clear_authentication();
select is(
  (select string_agg(a.attname::text, ',' order by a.attname) from pg_catalog.pg_attribute a
   where a.attrelid = 'public.surveys'::regclass and a.attnum > 0 and not a.attisdropped
     and has_column_privilege('authenticated', a.attrelid, a.attnum, 'UPDATE')),
  'slug,title',
  '[DEL-047] authenticated may UPDATE only title and slug of surveys (why DEL-006 is refused)');
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select throws_ok(format('delete from public.surveys where id = %L', :'alpha'),
  '42501', 'permission denied for table surveys',
  '[DEL-007] an admin cannot hard-delete a survey through the table');

select tests.clear_authentication();
select is((select deleted_at from public.surveys where id = :'alpha'), null,
  '[DEL-008] after the refused attempts the survey is still live');
select is((select count(*)::int from audit.events), 0,
  '[DEL-009] refused attempts leave no audit event');

-- A reason outside the fixed list never reaches the audit trail.
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select throws_ok(format('select * from public.delete_survey(%L, %L)', :'alpha', 'jane_doe_example_com'),
  '22023', 'unknown deletion reason',
  '[DEL-010] a free-text reason (which could hold personal data) is refused, without repeating it');

-- The deletion ------------------------------------------------------------------------------------
select gen_random_uuid() as request_id \gset
select set_config('request.headers', json_build_object('x-request-id', :'request_id')::text, true);
select results_eq(
  format('select * from public.delete_survey(%L)', :'alpha'),
  format($$values (%L::uuid, '2026-03-01 10:00:00+00'::timestamptz, '2026-03-31 10:00:00+00'::timestamptz)$$, :'alpha'),
  '[DEL-011] an admin deletes through the RPC: it returns the deletion time and the purge date (+30 days)');

select tests.clear_authentication();
select results_eq(
  format('select deleted_at, deleted_by from public.surveys where id = %L', :'alpha'),
  format($$values ('2026-03-01 10:00:00+00'::timestamptz, %L::uuid)$$, tests.user_id('admin_a')),
  '[DEL-012] the survey row is marked with when (the controllable clock) and by whom');
select is(
  (select jsonb_build_object('q', (select count(*) from public.questions where survey_id = :'alpha'),
    'r', (select count(*) from public.responses where survey_id = :'alpha'),
    'rec', (select count(*) from public.recordings where survey_id = :'alpha'),
    't', (select count(*) from public.transcripts where survey_id = :'alpha'),
    'o', (select count(*) from storage.objects where name like '%/' || :'alpha' || '/%'))),
  '{"q":2,"r":2,"rec":4,"t":4,"o":4}'::jsonb,
  '[DEL-013] soft deletion leaves every child row and object in place (postgres still sees them)');

-- Hidden from everyone's normal reads, at once ----------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('member_a');
select is(tests.survey_visible(:'alpha'),
  '{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0,"objects":0,"playable":0}'::jsonb,
  '[DEL-014] a member no longer sees the survey or its children, and the broker plays none of its recordings');
select is(tests.survey_visible(:'beta'),
  '{"surveys":1,"questions":2,"responses":2,"recordings":4,"transcripts":4,"objects":0,"playable":4}'::jsonb,
  '[DEL-015] the member still sees the live sibling survey in full');

select tests.clear_authentication(), tests.authenticate_as('admin_a');
select is_empty(format('select id from public.surveys where id = %L', :'alpha'),
  '[DEL-016] admin: the survey is gone from public.surveys');
select is_empty(format('select id from public.questions where survey_id = %L', :'alpha'),
  '[DEL-017] admin: its questions are hidden');
select is_empty(format('select id from public.responses where survey_id = %L', :'alpha'),
  '[DEL-018] admin: its responses are hidden');
select is_empty(format('select id from public.recordings where survey_id = %L', :'alpha'),
  '[DEL-019] admin: its recordings are hidden');
select is_empty(format('select id from public.transcripts where survey_id = %L', :'alpha'),
  '[DEL-020] admin: its transcripts are hidden');
select is_empty(format(
    $$select id from storage.objects where bucket_id = 'recordings' and name like %L$$,
    tests.org_id('Org A') || '/' || :'alpha' || '/%'),
  '[DEL-021] admin: its objects in the recordings bucket are hidden');
select is(tests.survey_visible(:'beta'),
  '{"surveys":1,"questions":2,"responses":2,"recordings":4,"transcripts":4,"objects":0,"playable":4}'::jsonb,
  '[DEL-022] admin: the live sibling survey is untouched');

select tests.clear_authentication(), tests.authenticate_as('owner_a');
select is(tests.survey_visible(:'alpha'),
  '{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0,"objects":0,"playable":0}'::jsonb,
  '[DEL-023] the owner no longer sees the survey or anything under it either');

-- Nor can anyone write under it.
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select is_empty(format('update public.surveys set title = %L where id = %L returning id', 'Renamed', :'alpha'),
  '[DEL-024] an admin cannot edit the deleted survey (no row matches)');
select throws_ok(format(
    $$insert into public.questions (org_id, survey_id, position, prompt) values (%L, %L, 9, 'New?')$$,
    tests.org_id('Org A'), :'alpha'),
  '42501', 'new row violates row-level security policy for table "questions"',
  '[DEL-025] an admin cannot add a question to the deleted survey');
select throws_ok(format($$select tests.create_object('recordings', %L)$$,
    tests.org_id('Org A') || '/' || :'alpha' || '/new/upload.webm'),
  '42501', 'new row violates row-level security policy for table "objects"',
  '[DEL-026] nobody can upload a new recording under the deleted survey');

-- Deleting twice ---------------------------------------------------------------------------------
select throws_ok(format('select * from public.delete_survey(%L)', :'alpha'),
  'PT409', format('survey %s is already deleted', :'alpha'),
  '[DEL-027] deleting an already deleted survey is a conflict (PT409)');

-- Slugs: a deleted survey frees its slug ---------------------------------------------------------
select lives_ok($$insert into public.surveys (org_id, title, slug)
    values (tests.org_id('Org A'), 'Alpha again', 'alpha')$$,
  '[DEL-028] an admin can create a new survey with the slug of the deleted one');
select throws_ok($$insert into public.surveys (org_id, title, slug)
    values (tests.org_id('Org A'), 'Beta twice', 'beta')$$,
  '23505', 'duplicate key value violates unique constraint "surveys_org_slug_live_key"',
  '[DEL-029] two live surveys still cannot share a slug');

-- The owner may delete too, and an odd request id does not block a deletion.
select tests.clear_authentication(), tests.authenticate_as('owner_a');
select set_config('request.headers',
  json_build_object('x-request-id', repeat('x', 200) || '@example.test')::text, true);
select lives_ok(format('select * from public.delete_survey(%L, %L)', :'beta', 'duplicate'),
  '[DEL-030] the owner deletes a survey even with an over-long x-request-id header');

-- A request id that is not a uuid (here a name) is never stored: the transaction id is kept.
-- (Done in a savepoint, so the rest of the file sees only the two deletions above.)
savepoint jane;
select set_config('request.headers', '{"x-request-id":"jane.doe"}', true);
select tests.clear_authentication(), tests.authenticate_as('owner_b');
select count(*) from public.delete_survey(:'gamma');
select tests.clear_authentication();
select request_id as jane_request_id, 'tx:' || pg_current_xact_id()::text as jane_tx
  from audit.events where target_id = :'gamma' \gset
rollback to savepoint jane;
select is(:'jane_request_id'::text, :'jane_tx'::text,
  '[DEL-048] an x-request-id that is not a uuid (jane.doe) is not stored: the event gets tx:<xid>');
select tests.clear_authentication(), tests.authenticate_as('owner_a');

-- Anon sees nothing, before or after.
select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok(format('select tests.survey_visible(%L)', :'beta'),
  '42501', 'permission denied for table surveys',
  '[DEL-031] anon cannot read surveys at all');

-- The audit trail ---------------------------------------------------------------------------------
select tests.clear_authentication();
select results_eq(
  format($$select action, actor_kind, actor_id, actor_job, org_id, chain_id, target_table,
      target_id, reason, request_id, details
    from audit.events where target_id = %L$$, :'alpha'),
  format($$values ('survey.soft_deleted', 'user', %L::uuid, null::text, %L::uuid, %2$L::uuid,
      'public.surveys', %L, 'user_request', %L,
      '{"questions": 2, "responses": 2, "recordings": 4, "transcripts": 4}'::jsonb)$$,
    tests.user_id('admin_a'), tests.org_id('Org A'), :'alpha', :'request_id'),
  '[DEL-032] the deletion is audited: who, organisation, target, reason, request id, counts');
select ok(
  (select occurred_at between transaction_timestamp() and clock_timestamp()
   from audit.events where target_id = :'alpha'),
  '[DEL-033] the event time is the real clock (cluso.now cannot back-date the trail)');
select results_eq(
  format($$select reason, request_id ~ '^tx:[0-9]+$', actor_id
    from audit.events where target_id = %L$$, :'beta'),
  format($$values ('duplicate', true, %L::uuid)$$, tests.user_id('owner_a')),
  '[DEL-034] the chosen reason code is kept; an unusable request id falls back to the transaction id');
select is(
  (select count(*)::int from audit.events e, jsonb_each(e.details) d
   where jsonb_typeof(d.value) not in ('number', 'boolean', 'null')),
  0, '[DEL-035] event details hold numbers and flags only');
select is(
  (select count(*)::int from audit.events e
   where e::text ~* '@|example\.test|Survey alpha|Survey beta|resp-|transcript of|Question '),
  0, '[DEL-036] no event carries personal content (emails, titles, respondent refs, transcripts)');
select results_eq(
  $$select seq from audit.events where chain_id = tests.org_id('Org A') order by seq$$,
  $$values (1::bigint), (2::bigint)$$,
  '[DEL-037] exactly the two successful deletions were recorded, in order, in org A''s chain');
select is((select count(*)::int from audit.events where chain_id <> tests.org_id('Org A')), 0,
  '[DEL-038] no event landed in another chain');
select ok((select bool_and(ok) from audit.verify_chains()),
  '[DEL-039] the chain verifies');

-- Org B's survey is untouched by all of this.
select tests.clear_authentication(), tests.authenticate_as('owner_b');
select is(tests.survey_visible(:'gamma'),
  '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":1,"objects":0,"playable":1}'::jsonb,
  '[DEL-040] another organisation''s survey stays visible to its owner');
select is(tests.survey_visible(:'alpha'),
  '{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0,"objects":0,"playable":0}'::jsonb,
  '[DEL-041] and that owner never saw ours');

-- Authentication is required even for a valid survey id.
select tests.clear_authentication(), tests.authenticate_as_subjectless();
select throws_ok(format('select * from public.delete_survey(%L)', :'gamma'),
  '42501', 'sign in to manage surveys',
  '[DEL-042] the authenticated role without a user id (no sub claim) is refused');

select tests.clear_authentication();
select is((select deleted_at from public.surveys where id = :'gamma'), null,
  '[DEL-043] org B''s survey is still live');
select is(
  (select count(*)::int from public.surveys where org_id = tests.org_id('Org A') and deleted_at is not null),
  2, '[DEL-044] exactly two of org A''s surveys are in the trash');
select is(
  (select count(*)::int from public.surveys where org_id = tests.org_id('Org A') and slug = 'alpha'),
  2, '[DEL-045] the deleted alpha and its live successor coexist');

select * from finish();
rollback;
