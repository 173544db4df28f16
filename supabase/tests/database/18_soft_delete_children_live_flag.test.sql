-- The child check of soft deletion: questions, responses, recordings and transcripts carry
-- their survey's live flag (survey_live), kept in step by the composite foreign keys
-- (ON UPDATE CASCADE), and their policies test that column. A trashed survey's children stay
-- invisible through it, a new child takes its survey's flag, the flag cannot be set apart from
-- the survey's, and restoring brings the children back.
begin;
select plan(17);

select tests.create_user('owner_a'), tests.create_user('member_a');
select tests.create_org('owner_a', 'Org A');
select tests.add_member('Org A', 'member_a', 'member');
-- alpha: trashed below (2 questions, 2 responses, 4 recordings, 4 transcripts); beta: live.
select tests.create_survey('Org A', 'alpha', 2, 2) as alpha \gset
select tests.create_survey('Org A', 'beta', 2, 2) as beta \gset

create schema t18;
-- Children of a survey as the caller sees them (tests.survey_children_visible), and their flags
-- as stored (as postgres).
create function t18.flags(p_survey uuid)
returns text
language sql
as $$
  select string_agg(distinct f::text, ',') from (
    select survey_live from public.questions where survey_id = p_survey
    union all select survey_live from public.responses where survey_id = p_survey
    union all select survey_live from public.recordings where survey_id = p_survey
    union all select survey_live from public.transcripts where survey_id = p_survey) x(f);
$$;

select is(t18.flags(:'alpha'), 'true', '[LIVE-001] a live survey''s children are flagged live');

-- The policies' child check is the column, not a list of trashed surveys.
select set_eq(
  $$select tablename || ' ' || cmd from pg_catalog.pg_policies
    where schemaname = 'public' and tablename in ('questions', 'responses', 'recordings', 'transcripts')
      and cmd in ('SELECT', 'UPDATE') and qual ~ '\msurvey_live\M' and qual !~ 'trash'$$,
  $$select t || ' ' || c from unnest(array['questions', 'responses', 'recordings', 'transcripts']) t,
    unnest(array['SELECT', 'UPDATE']) c$$,
  '[LIVE-002] every survey child''s read and edit policy tests survey_live');

-- Soft deletion flips every child's flag in the same statement.
select tests.authenticate_as('owner_a');
select lives_ok(format($$select public.delete_survey(%L, 'duplicate')$$, :'alpha'),
  '[LIVE-003] the owner soft-deletes alpha');
select tests.clear_authentication();
select is(t18.flags(:'alpha'), 'false',
  '[LIVE-004] ... and every child of alpha is flagged not live, through the foreign keys');
select is(t18.flags(:'beta'), 'true', '[LIVE-005] ... while beta''s children stay live');

-- Invisible through the column test, to a member and to the owner.
select tests.authenticate_as('member_a');
select is(tests.survey_children_visible(:'alpha'),
  '{"questions":0,"responses":0,"recordings":0,"transcripts":0}'::jsonb,
  '[LIVE-006] a member sees none of the trashed survey''s children');
select is(tests.survey_children_visible(:'beta'),
  '{"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb,
  '[LIVE-007] ... and every child of the live survey');
select is((select count(*)::int from public.recordings r where r.org_id = tests.org_id('Org A')),
  4, '[LIVE-008] an organisation-wide read returns the live survey''s recordings only');
select tests.clear_authentication();
select tests.authenticate_as('owner_a');
select is(tests.survey_children_visible(:'alpha'),
  '{"questions":0,"responses":0,"recordings":0,"transcripts":0}'::jsonb,
  '[LIVE-009] the owner does not see them either');

-- Nobody can set the flag apart from the survey's.
select throws_ok(format($$update public.responses set survey_live = true where survey_id = %L$$, :'alpha'),
  '42501', 'permission denied for table responses',
  '[LIVE-010] a client cannot write survey_live (no UPDATE grant on the column)');
select throws_ok(format($$insert into public.questions (org_id, survey_id, position, prompt)
    values (%L, %L, 9, 'late question')$$, tests.org_id('Org A'), :'alpha'),
  '42501', 'new row violates row-level security policy for table "questions"',
  '[LIVE-011] adding a child to a trashed survey is refused by RLS');
select throws_ok(format($$insert into public.questions (org_id, survey_id, survey_live, position, prompt)
    values (%L, %L, true, 9, 'late question')$$, tests.org_id('Org A'), :'beta'),
  '42501', 'permission denied for table questions',
  '[LIVE-012] a client cannot choose the flag of a new child (no INSERT grant on the column)');
select tests.clear_authentication();
select throws_ok(format($$update public.recordings set survey_live = true where survey_id = %L$$, :'alpha'),
  '23503', null,
  '[LIVE-013] even as the table owner, a child flagged live under a trashed survey breaks its foreign key');
insert into public.responses (org_id, survey_id, respondent_ref)
values (tests.org_id('Org A'), :'alpha', 'late');
select is(t18.flags(:'alpha'), 'false',
  '[LIVE-014] a child the table owner adds under a trashed survey takes the survey''s flag');
-- Restoring brings every child back.
select tests.authenticate_as('owner_a');
select lives_ok(format($$select public.restore_survey(%L)$$, :'alpha'),
  '[LIVE-015] the owner restores alpha');
select tests.clear_authentication();
select is(t18.flags(:'alpha'), 'true', '[LIVE-016] ... its children are flagged live again');
select tests.authenticate_as('member_a');
select is(tests.survey_children_visible(:'alpha'),
  '{"questions":2,"responses":3,"recordings":4,"transcripts":4}'::jsonb,
  '[LIVE-017] ... and a member sees them again (with the response added while in the trash)');
select tests.clear_authentication();

select * from finish();
rollback;
