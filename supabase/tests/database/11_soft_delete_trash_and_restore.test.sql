-- The trash and restore_survey(): who sees the trash, the 30-day window (on the controllable
-- clock), slug conflicts, and that a restored survey comes back exactly as it was.
begin;
select plan(30);
set local timezone = 'UTC';

-- Fixtures (as postgres) ---------------------------------------------------------------------
select tests.create_user('owner_a'), tests.create_user('admin_a'), tests.create_user('member_a'),
  tests.create_user('owner_b');
select tests.create_org('owner_a', 'Org A'), tests.create_org('owner_b', 'Org B');
select tests.add_member('Org A', 'admin_a', 'admin'), tests.add_member('Org A', 'member_a', 'member');

select tests.create_survey('Org A', 'alpha', 3, 2) as alpha \gset
select tests.create_survey('Org A', 'beta', 1, 1) as beta \gset
select tests.create_survey('Org A', 'live', 1, 1) as live \gset
select count(tests.create_object('recordings', r.object_path)) from public.recordings r;
update public.responses set completed_at = '2026-02-20 09:00:00+00' where survey_id = :'alpha';

-- A fingerprint of everything under a survey, read as postgres (no RLS): every column of every
-- child row and Storage object, so "restored exactly as it was" is checked, not assumed.
create schema t11;
create function t11.fingerprint(p_survey uuid)
returns text
language sql
as $$
  select md5(concat_ws('|',
    (select string_agg(s::text, ',' order by s.id) from (
       select id, org_id, title, slug, created_by, created_at from public.surveys where id = p_survey) s),
    (select string_agg(q::text, ',' order by q.id) from public.questions q where q.survey_id = p_survey),
    (select string_agg(r::text, ',' order by r.id) from public.responses r where r.survey_id = p_survey),
    (select string_agg(r::text, ',' order by r.id) from public.recordings r where r.survey_id = p_survey),
    (select string_agg(t::text, ',' order by t.id) from public.transcripts t where t.survey_id = p_survey),
    (select string_agg(concat_ws(';', o.id, o.bucket_id, o.name, o.metadata::text), ',' order by o.id)
     from storage.objects o where o.name like '%/' || p_survey || '/%')));
$$;

select t11.fingerprint(:'alpha') as alpha_before \gset

-- Day 0: the admin deletes alpha and beta -------------------------------------------------------
select tests.set_now('2026-03-01 10:00:00+00');
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select count(*) from public.delete_survey(:'alpha');
select tests.set_now('2026-03-02 08:30:00+00');
select count(*) from public.delete_survey(:'beta');

-- The trash ----------------------------------------------------------------------------------------
select results_eq(
  $$select survey_id, title, slug, deleted_at, deleted_by, purge_after
    from public.survey_trash(tests.org_id('Org A'))$$,
  format($$values
    (%L::uuid, 'Survey beta', 'beta', '2026-03-02 08:30:00+00'::timestamptz, %L::uuid,
     '2026-04-01 08:30:00+00'::timestamptz),
    (%L::uuid, 'Survey alpha', 'alpha', '2026-03-01 10:00:00+00'::timestamptz, %2$L::uuid,
     '2026-03-31 10:00:00+00'::timestamptz)$$,
    :'beta', tests.user_id('admin_a'), :'alpha'),
  '[TRS-001] an admin sees the deleted surveys, newest first, with who, when and the purge date');

select tests.clear_authentication(), tests.authenticate_as('owner_a');
select results_eq(
  $$select survey_id, deleted_by, purge_after
    from public.survey_trash(tests.org_id('Org A')) order by slug$$,
  format($$values
    (%L::uuid, %L::uuid, '2026-03-31 10:00:00+00'::timestamptz),
    (%L::uuid, %2$L::uuid, '2026-04-01 08:30:00+00'::timestamptz)$$,
    :'alpha', tests.user_id('admin_a'), :'beta'),
  '[TRS-002] the owner sees the same trash; live surveys are not in it');

select tests.clear_authentication(), tests.authenticate_as('member_a');
select throws_ok($$select * from public.survey_trash(tests.org_id('Org A'))$$,
  '42501', 'only admins and owners of the organisation can see its trash',
  '[TRS-003] a member cannot see the trash');

select tests.clear_authentication(), tests.authenticate_as('owner_b');
select throws_ok($$select * from public.survey_trash(tests.org_id('Org A'))$$,
  '42501', 'only admins and owners of the organisation can see its trash',
  '[TRS-004] the owner of another organisation cannot see our trash');
select is_empty($$select * from public.survey_trash(tests.org_id('Org B'))$$,
  '[TRS-005] and their own trash does not contain our surveys');

select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok($$select * from public.survey_trash(tests.org_id('Org A'))$$,
  '42501', 'permission denied for function survey_trash',
  '[TRS-006] anon cannot see any trash');

-- Who may not restore ----------------------------------------------------------------------------
select throws_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  '42501', 'permission denied for function restore_survey',
  '[TRS-007] anon cannot restore');
select tests.clear_authentication(), tests.authenticate_as('member_a');
select throws_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  '42501', 'only admins and owners of the organisation can delete or restore surveys',
  '[TRS-008] a member cannot restore');
select tests.clear_authentication(), tests.authenticate_as('owner_b');
select throws_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  'P0002', format('survey %s not found', :'alpha'),
  '[TRS-009] another organisation''s owner gets "not found"');
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select throws_ok(format('select * from public.restore_survey(%L)', :'live'),
  'PT409', format('survey %s is not deleted', :'live'),
  '[TRS-010] restoring a live survey is a conflict');

-- Restore inside the window: 29 days 23 hours after deletion -------------------------------------
select tests.set_now('2026-03-31 09:00:00+00');
select gen_random_uuid() as request_id \gset
select set_config('request.headers', json_build_object('x-request-id', :'request_id')::text, true);
select results_eq(format('select * from public.restore_survey(%L)', :'alpha'),
  format($$values (%L::uuid, '2026-03-31 09:00:00+00'::timestamptz)$$, :'alpha'),
  '[TRS-011] an admin restores 29 days 23 hours after the deletion');

select tests.clear_authentication(), tests.authenticate_as('member_a');
select is(tests.survey_visible(:'alpha'),
  '{"surveys":1,"questions":3,"responses":2,"recordings":6,"transcripts":6,"objects":0,"playable":6}'::jsonb,
  '[TRS-012] members see the survey and all its children again, and the broker plays its recordings again');

select tests.clear_authentication();
select is(t11.fingerprint(:'alpha'), :'alpha_before',
  '[TRS-013] every child row and object is exactly as before the deletion (fingerprint)');
select results_eq(format('select deleted_at, deleted_by from public.surveys where id = %L', :'alpha'),
  $$values (null::timestamptz, null::uuid)$$,
  '[TRS-014] the survey is live again: deletion mark cleared');
select results_eq(
  format($$select action, actor_id, org_id, target_id, reason, request_id, details
    from audit.events where target_id = %L order by seq$$, :'alpha'),
  format($$values
    ('survey.soft_deleted', %1$L::uuid, %2$L::uuid, %3$L, 'user_request',
     'tx:' || pg_current_xact_id()::text,
     '{"questions": 3, "responses": 2, "recordings": 6, "transcripts": 6}'::jsonb),
    ('survey.restored', %1$L::uuid, %2$L::uuid, %3$L, 'user_request', %4$L,
     '{"questions": 3, "responses": 2, "recordings": 6, "transcripts": 6}'::jsonb)$$,
    tests.user_id('admin_a'), tests.org_id('Org A'), :'alpha', :'request_id'),
  '[TRS-015] the deletion and the restore are both audited, with who, reason and request id');

select tests.clear_authentication(), tests.authenticate_as('admin_a');
select set_config('request.headers', '', true);
select results_eq($$select survey_id from public.survey_trash(tests.org_id('Org A'))$$,
  format('values (%L::uuid)', :'beta'),
  '[TRS-016] a restored survey leaves the trash');

-- The window closes at exactly 30 days -------------------------------------------------------------
-- alpha is deleted again on 2026-04-01 12:00; its window ends 2026-05-01 12:00.
select tests.set_now('2026-04-01 12:00:00+00');
select count(*) from public.delete_survey(:'alpha');

select tests.set_now('2026-05-02 00:00:00+00');
select throws_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  'PT410', format('survey %s can no longer be restored: it was deleted on 2026-04-01 12:00:00+00, '
    'and the 30-day recovery window ended on 2026-05-01 12:00:00+00', :'alpha'),
  '[TRS-017] 30.5 days after deletion the restore is refused (PT410) naming both dates');
select tests.set_now('2026-05-01 12:00:00+00');
select throws_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  'PT410', format('survey %s can no longer be restored: it was deleted on 2026-04-01 12:00:00+00, '
    'and the 30-day recovery window ended on 2026-05-01 12:00:00+00', :'alpha'),
  '[TRS-018] exactly 30 days after deletion the restore is refused (PT410)');
select tests.clear_authentication();
select is((select deleted_at from public.surveys where id = :'alpha'), '2026-04-01 12:00:00+00'::timestamptz,
  '[TRS-019] the refused restore left the survey deleted');
select is((select count(*)::int from audit.events where target_id = :'alpha' and action = 'survey.restored'), 1,
  '[TRS-020] a refused restore writes no audit event');
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select tests.set_now('2026-05-01 11:59:59+00');
select lives_ok(format('select * from public.restore_survey(%L)', :'alpha'),
  '[TRS-021] one second before the window ends the restore still works');

-- A new live survey took the slug ------------------------------------------------------------------
select tests.set_now('2026-03-10 10:00:00+00');
insert into public.surveys (org_id, title, slug)
values (tests.org_id('Org A'), 'New beta', 'beta');
select throws_ok(format('select * from public.restore_survey(%L)', :'beta'),
  'PT409', format('survey %s cannot be restored: another survey now uses the slug "beta"', :'beta'),
  '[TRS-022] restoring is refused while a live survey uses the slug (PT409)');
select tests.clear_authentication();
select isnt((select deleted_at from public.surveys where id = :'beta'), null,
  '[TRS-023] the refused restore left the survey in the trash');
select tests.clear_authentication(), tests.authenticate_as('admin_a');
update public.surveys set slug = 'beta-new' where slug = 'beta' and title = 'New beta';
select lives_ok(format('select * from public.restore_survey(%L)', :'beta'),
  '[TRS-024] once the other survey is renamed, the restore works');
select results_eq($$select slug from public.surveys where slug like 'beta%' order by slug$$,
  $$values ('beta'), ('beta-new')$$,
  '[TRS-025] both surveys are live, each with its own slug');

-- Restoring twice, and an organisation's trash after everything is restored
select throws_ok(format('select * from public.restore_survey(%L)', :'beta'),
  'PT409', format('survey %s is not deleted', :'beta'),
  '[TRS-026] restoring twice is a conflict');
select is_empty($$select * from public.survey_trash(tests.org_id('Org A'))$$,
  '[TRS-027] the trash is empty once everything is restored');

-- The owner may restore too (restore by an owner of a survey an admin deleted).
select count(*) from public.delete_survey(:'live');
select tests.clear_authentication(), tests.authenticate_as('owner_a');
select lives_ok(format('select * from public.restore_survey(%L)', :'live'),
  '[TRS-028] an owner restores a survey an admin deleted');

select tests.clear_authentication();
select results_eq(
  $$select action, count(*)::int from audit.events
    where chain_id = tests.org_id('Org A') group by action order by action$$,
  $$values ('survey.restored', 4), ('survey.soft_deleted', 4)$$,
  '[TRS-029] exactly the successful transitions were audited (4 deletions, 4 restores)');
select ok((select bool_and(ok) from audit.verify_chains()), '[TRS-030] the chain verifies');

select * from finish();
rollback;
