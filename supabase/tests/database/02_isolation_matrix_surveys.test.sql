-- 02 Isolation matrix, survey group: surveys, questions, responses, and the survey RPCs
-- (delete_survey, restore_survey, survey_trash, audit_events). Every cell runs one statement as
-- one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(122);
-- ---------------------------------------------------------------------------------------------
-- Fixtures (fixed ids, written as postgres). Org A: owner, admin, member, a removed member;
-- org B: owner and member (the attackers next door); org C: a second org of A's owner, so
-- that RLS passes and the trigger / composite foreign keys are the guard being tested.
-- Identical in every 02_isolation_matrix_* file and 03/04.
-- ---------------------------------------------------------------------------------------------
create temp table fx (key text primary key, id uuid not null unique);
insert into fx values
  ('owner_a',   '10000000-0000-4000-8000-00000000a001'),
  ('admin_a',   '10000000-0000-4000-8000-00000000a002'),
  ('member_a',  '10000000-0000-4000-8000-00000000a003'),
  ('removed_a', '10000000-0000-4000-8000-00000000a004'),
  ('owner_b',   '10000000-0000-4000-8000-00000000b001'),
  ('member_b',  '10000000-0000-4000-8000-00000000b003'),
  ('fresh',     '10000000-0000-4000-8000-00000000f001'),
  ('org_a',     '20000000-0000-4000-8000-00000000000a'),
  ('org_b',     '20000000-0000-4000-8000-00000000000b'),
  ('org_c',     '20000000-0000-4000-8000-00000000000c'),
  ('s_a',       '30000000-0000-4000-8000-00000000a001'),
  ('s_a2',      '30000000-0000-4000-8000-00000000a002'),
  ('s_a_del',   '30000000-0000-4000-8000-00000000a0de'),
  ('s_b',       '30000000-0000-4000-8000-00000000b001'),
  ('s_c',       '30000000-0000-4000-8000-00000000c001'),
  ('q_a',       '40000000-0000-4000-8000-00000000a001'),
  ('q_b',       '40000000-0000-4000-8000-00000000b001'),
  ('q_c',       '40000000-0000-4000-8000-00000000c001'),
  ('r_a',       '50000000-0000-4000-8000-00000000a001'),
  ('r_b',       '50000000-0000-4000-8000-00000000b001'),
  ('r_c',       '50000000-0000-4000-8000-00000000c001'),
  ('rec_a1',    '60000000-0000-4000-8000-00000000a001'),
  ('rec_a2',    '60000000-0000-4000-8000-00000000a002'),
  ('rec_a3',    '60000000-0000-4000-8000-00000000a003'),
  ('rec_b',     '60000000-0000-4000-8000-00000000b001'),
  ('rec_c',     '60000000-0000-4000-8000-00000000c001'),
  ('t_a',       '70000000-0000-4000-8000-00000000a001'),
  ('t_b',       '70000000-0000-4000-8000-00000000b001');
grant select on fx to public;

create function pg_temp.fx(p_key text) returns uuid language sql stable
as $$ select id from fx where key = p_key $$;

do $$
declare
  u text;
begin
  foreach u in array array['owner_a', 'admin_a', 'member_a', 'removed_a', 'owner_b', 'member_b', 'fresh']
  loop
    perform tests.create_user(pg_temp.fx(u), u || '@example.test');
    if u <> 'fresh' then
      insert into public.profiles (id, display_name) values (pg_temp.fx(u), 'Profile ' || u);
    end if;
  end loop;

  insert into public.organizations (id, name, created_by) values
    (pg_temp.fx('org_a'), 'Org A', pg_temp.fx('owner_a')),
    (pg_temp.fx('org_b'), 'Org B', pg_temp.fx('owner_b')),
    (pg_temp.fx('org_c'), 'Org C', pg_temp.fx('owner_a'));
  insert into public.memberships (org_id, user_id, role) values
    (pg_temp.fx('org_a'), pg_temp.fx('owner_a'), 'owner'),
    (pg_temp.fx('org_a'), pg_temp.fx('admin_a'), 'admin'),
    (pg_temp.fx('org_a'), pg_temp.fx('member_a'), 'member'),
    (pg_temp.fx('org_a'), pg_temp.fx('removed_a'), 'member'),
    (pg_temp.fx('org_b'), pg_temp.fx('owner_b'), 'owner'),
    (pg_temp.fx('org_b'), pg_temp.fx('member_b'), 'member'),
    (pg_temp.fx('org_c'), pg_temp.fx('owner_a'), 'owner');
  -- removed_a was a member of A until just now.
  delete from public.memberships
  where org_id = pg_temp.fx('org_a') and user_id = pg_temp.fx('removed_a');

  insert into public.surveys (id, org_id, title, slug, created_by) values
    (pg_temp.fx('s_a'), pg_temp.fx('org_a'), 'Survey A', 'survey-a', pg_temp.fx('owner_a')),
    (pg_temp.fx('s_a2'), pg_temp.fx('org_a'), 'Survey A2', 'survey-a2', pg_temp.fx('owner_a')),
    (pg_temp.fx('s_b'), pg_temp.fx('org_b'), 'Survey B', 'survey-b', pg_temp.fx('owner_b')),
    (pg_temp.fx('s_c'), pg_temp.fx('org_c'), 'Survey C', 'survey-c', pg_temp.fx('owner_a'));
  insert into public.surveys (id, org_id, title, slug, created_by, deleted_at, deleted_by) values
    (pg_temp.fx('s_a_del'), pg_temp.fx('org_a'), 'Survey A deleted', 'survey-a-deleted',
     pg_temp.fx('owner_a'), now() - interval '1 day', pg_temp.fx('owner_a'));

  insert into public.questions (id, org_id, survey_id, position, prompt) values
    (pg_temp.fx('q_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), 1, 'Question A'),
    (pg_temp.fx('q_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), 1, 'Question B'),
    (pg_temp.fx('q_c'), pg_temp.fx('org_c'), pg_temp.fx('s_c'), 1, 'Question C');
  insert into public.responses (id, org_id, survey_id, respondent_ref) values
    (pg_temp.fx('r_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), 'ref-a'),
    (pg_temp.fx('r_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), 'ref-b'),
    (pg_temp.fx('r_c'), pg_temp.fx('org_c'), pg_temp.fx('s_c'), 'ref-c');
  insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
    duration_ms, size_bytes, mime_type)
  select pg_temp.fx(v.rec), pg_temp.fx(v.org), pg_temp.fx(v.s), pg_temp.fx(v.r), pg_temp.fx(v.q),
    format('%s/%s/%s/%s.webm', pg_temp.fx(v.org), pg_temp.fx(v.s), pg_temp.fx(v.r), v.rec),
    1000, 2048, 'audio/webm'
  from (values ('rec_a1', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_a2', 'org_a', 's_a', 'r_a', 'q_a'),
    ('rec_a3', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_b', 'org_b', 's_b', 'r_b', 'q_b'),
    ('rec_c', 'org_c', 's_c', 'r_c', 'q_c')) v(rec, org, s, r, q);
  insert into public.transcripts (id, org_id, survey_id, recording_id, body) values
    (pg_temp.fx('t_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('rec_a1'), 'Transcript A'),
    (pg_temp.fx('t_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), pg_temp.fx('rec_b'), 'Transcript B');

  -- One audit event in B's chain (A already has one: removed_a's membership removal).
  perform audit.record_event('survey.soft_deleted', pg_temp.fx('org_b'), 'public.surveys',
    pg_temp.fx('s_b')::text, 'user_request', '{}', p_actor_id => pg_temp.fx('owner_b'));
end;
$$;

-- The SQL of a cell, with {key} replaced by the fixture's uuid literal and [key] by its bare
-- text (for use inside string literals such as object paths).
create function pg_temp.cell_sql(p_sql text) returns text language plpgsql stable
as $$
declare
  r record;
  v text := p_sql;
begin
  for r in select key, id from fx order by length(key) desc loop
    v := replace(v, '{' || r.key || '}', format('%L::uuid', r.id));
    v := replace(v, '[' || r.key || ']', r.id::text);
  end loop;
  if v ~ '[{\[][a-z_0-9]+[}\]]' then
    raise exception 'unknown fixture in %', v;
  end if;
  return v;
end;
$$;

-- Runs one cell of the matrix as `p_who` (anon, service_role, or a fixture user) exactly as PostgREST would,
-- and reports what happened: 'N rows' (rows read, or rows affected by a write) or
-- 'SQLSTATE: message'. Back to postgres afterwards. A write that succeeds stays written.
create function pg_temp.attempt(p_who text, p_sql text) returns text language plpgsql
as $$
declare
  v_sql text := pg_temp.cell_sql(p_sql);
  v_user uuid := pg_temp.fx(p_who);
  v_n bigint;
  v_out text;
begin
  if p_who = 'anon' then
    perform tests.authenticate_as_anon();
  elsif p_who = 'service_role' then
    perform tests.authenticate_as_service_role();
  elsif v_user is null then
    raise exception 'unknown identity %', p_who;
  else
    perform tests.authenticate_as(v_user);
  end if;
  begin
    if v_sql ~* '^\s*(select|with|table)\s' then
      execute 'select count(*) from (' || v_sql || ') as cell' into v_n;
    else
      execute v_sql;
      get diagnostics v_n = row_count;
    end if;
    v_out := v_n || ' rows';
  exception when others then
    v_out := sqlstate || ': ' || sqlerrm;
  end;
  perform tests.clear_authentication();
  return v_out;
end;
$$;

-- surveys: members read live surveys; admins and owners write; deletion only through the RPC.
select is(pg_temp.attempt('anon', $$select 1 from public.surveys where org_id = {org_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-001] surveys select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-2-002] surveys select (org A) as member_a: 2 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-2-003] surveys select (org A) as admin_a: 2 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-2-004] surveys select (org A) as owner_a: 2 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-005] surveys select (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-006] surveys select (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.surveys where id = {s_a_del}$$),
  '0 rows',
  '[ISO-2-007] surveys select: a soft-deleted survey is invisible even to the owner');
select is(pg_temp.attempt('anon', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: permission denied for table surveys',
  '[ISO-2-008] surveys insert (into A) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-009] surveys insert (into A) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-010] surveys insert (into A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-011] surveys insert (into A) as owner_b: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'By admin', 'by-admin')$$),
  '1 rows',
  '[ISO-2-012] surveys insert as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'By owner', 'by-owner')$$),
  '1 rows',
  '[ISO-2-013] surveys insert as owner_a: allowed (control)');
select is(pg_temp.attempt('admin_a', $$insert into public.surveys (org_id, title, slug, deleted_at) values ({org_a}, 'pwned', 'pwned-deleted', now())$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-014] surveys insert: not even an admin may create an already-deleted survey');
select is(pg_temp.attempt('anon', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-015] surveys update (survey A) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '0 rows',
  '[ISO-2-016] surveys update (survey A) as member_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '0 rows',
  '[ISO-2-017] surveys update (survey A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '0 rows',
  '[ISO-2-018] surveys update (survey A) as owner_b: 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.surveys set title = 'Edited by admin' where id = {s_a}$$),
  '1 rows',
  '[ISO-2-019] surveys update as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.surveys set title = 'Edited by owner' where id = {s_a}$$),
  '1 rows',
  '[ISO-2-020] surveys update as owner_a: allowed (control)');
select is(pg_temp.attempt('admin_a', $$update public.surveys set deleted_at = now() where id = {s_a}$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-021] surveys update: soft delete through the table is refused (RPC only)');
select is(pg_temp.attempt('owner_a', $$update public.surveys set title = 'pwned' where id = {s_a_del}$$),
  '0 rows',
  '[ISO-2-022] surveys update: a soft-deleted survey cannot be edited');
select is(pg_temp.attempt('owner_a', $$update public.surveys set org_id = {org_c} where id = {s_a}$$),
  '42501: org_id cannot change after insert (table surveys)',
  '[ISO-2-023] surveys update: an owner of A and C cannot move a survey to C (org_id immutable)');
select is(pg_temp.attempt('owner_b', $$update public.surveys set org_id = {org_b} where id = {s_a}$$),
  '0 rows',
  '[ISO-2-024] surveys update: owner_b cannot pull A''s survey into B');
select is(pg_temp.attempt('anon', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-025] surveys delete (survey A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-026] surveys delete (survey A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-027] surveys delete (survey A) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-028] surveys delete (survey A) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-029] surveys delete (survey A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-030] surveys delete (survey A) as owner_b: refused');

-- questions: same organisation and a live parent survey; admins and owners write; no delete.
select is(pg_temp.attempt('anon', $$select 1 from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-031] questions select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-032] questions select (org A) as member_a: 1 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-033] questions select (org A) as admin_a: 1 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-034] questions select (org A) as owner_a: 1 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-035] questions select (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.questions where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-036] questions select (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: permission denied for table questions',
  '[ISO-2-037] questions insert (into A) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-038] questions insert (into A) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-039] questions insert (into A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-040] questions insert (into A) as owner_b: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'by admin')$$),
  '1 rows',
  '[ISO-2-041] questions insert as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'by owner')$$),
  '1 rows',
  '[ISO-2-042] questions insert as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_b}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-043] questions insert: owner_b cannot hang a B row under A''s survey');
select is(pg_temp.attempt('owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_b}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-044] questions insert: owner_b cannot forge org_id A on a row of B''s survey');
select is(pg_temp.attempt('owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_c}, 9, 'pwned')$$),
  '23503: insert or update on table "questions" violates foreign key constraint "questions_org_id_survey_id_fkey"',
  '[ISO-2-045] questions insert: an owner of A and C cannot point an A row at C''s survey (composite FK)');
select is(pg_temp.attempt('owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a_del}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-046] questions insert: not under a soft-deleted survey');
select is(pg_temp.attempt('anon', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-047] questions update (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-048] questions update (org A) as member_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-049] questions update (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-050] questions update (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.questions set prompt = 'edited' where id = {q_a}$$),
  '1 rows',
  '[ISO-2-051] questions update as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.questions set prompt = 'edited' where id = {q_a}$$),
  '1 rows',
  '[ISO-2-052] questions update as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.questions set org_id = {org_c} where id = {q_a}$$),
  '42501: org_id cannot change after insert (table questions)',
  '[ISO-2-053] questions update: cannot move a row to another organisation (org_id immutable)');
select is(pg_temp.attempt('owner_a', $$update public.questions set survey_id = {s_c} where prompt = 'by admin'$$),
  '23503: insert or update on table "questions" violates foreign key constraint "questions_org_id_survey_id_fkey"',
  '[ISO-2-054] questions update: cannot re-point a row at another organisation''s survey (composite FK)');
select is(pg_temp.attempt('owner_a', $$update public.questions set survey_id = {s_c} where id = {q_a}$$),
  '23503: update or delete on table "questions" violates foreign key constraint "recordings_org_id_survey_id_question_id_fkey" on table "recordings"',
  '[ISO-2-055] questions update: re-pointing a row with recordings is refused by the recordings'' composite FK too');
select is(pg_temp.attempt('anon', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-056] questions delete (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-057] questions delete (org A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-058] questions delete (org A) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-059] questions delete (org A) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-060] questions delete (org A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-061] questions delete (org A) as owner_b: refused');

-- responses: same organisation and a live parent survey; admins and owners write; no delete.
select is(pg_temp.attempt('anon', $$select 1 from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-062] responses select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-063] responses select (org A) as member_a: 1 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-064] responses select (org A) as admin_a: 1 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-065] responses select (org A) as owner_a: 1 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-066] responses select (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.responses where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-067] responses select (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: permission denied for table responses',
  '[ISO-2-068] responses insert (into A) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-069] responses insert (into A) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-070] responses insert (into A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-071] responses insert (into A) as owner_b: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'by admin')$$),
  '1 rows',
  '[ISO-2-072] responses insert as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'by owner')$$),
  '1 rows',
  '[ISO-2-073] responses insert as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_b}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-074] responses insert: owner_b cannot hang a B row under A''s survey');
select is(pg_temp.attempt('owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_b}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-075] responses insert: owner_b cannot forge org_id A on a row of B''s survey');
select is(pg_temp.attempt('owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_c}, 'pwned')$$),
  '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
  '[ISO-2-076] responses insert: an owner of A and C cannot point an A row at C''s survey (composite FK)');
select is(pg_temp.attempt('owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a_del}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-077] responses insert: not under a soft-deleted survey');
select is(pg_temp.attempt('anon', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-078] responses update (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-079] responses update (org A) as member_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-080] responses update (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-081] responses update (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.responses set respondent_ref = 'edited' where id = {r_a}$$),
  '1 rows',
  '[ISO-2-082] responses update as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.responses set respondent_ref = 'edited' where id = {r_a}$$),
  '1 rows',
  '[ISO-2-083] responses update as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.responses set org_id = {org_c} where id = {r_a}$$),
  '42501: org_id cannot change after insert (table responses)',
  '[ISO-2-084] responses update: cannot move a row to another organisation (org_id immutable)');
select is(pg_temp.attempt('owner_a', $$update public.responses set survey_id = {s_c} where respondent_ref = 'by admin'$$),
  '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
  '[ISO-2-085] responses update: cannot re-point a row at another organisation''s survey (composite FK)');
select is(pg_temp.attempt('owner_a', $$update public.responses set survey_id = {s_c} where id = {r_a}$$),
  '23503: update or delete on table "responses" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey" on table "recordings"',
  '[ISO-2-086] responses update: re-pointing a row with recordings is refused by the recordings'' composite FK too');
select is(pg_temp.attempt('anon', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-087] responses delete (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-088] responses delete (org A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-089] responses delete (org A) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-090] responses delete (org A) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-091] responses delete (org A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-092] responses delete (org A) as owner_b: refused');

-- RPCs: delete_survey, restore_survey, survey_trash, audit_events.
create function pg_temp.nf(p_key text) returns text language sql as $$ select format('P0002: survey %s not found', pg_temp.fx(p_key)) $$;
select is(pg_temp.attempt('anon', $$select * from public.survey_trash({org_a})$$),
  '42501: permission denied for function survey_trash',
  '[ISO-2-093] survey_trash(A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select * from public.survey_trash({org_a})$$),
  '42501: only admins and owners of the organisation can see its trash',
  '[ISO-2-094] survey_trash(A) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$select * from public.survey_trash({org_a})$$),
  '42501: only admins and owners of the organisation can see its trash',
  '[ISO-2-095] survey_trash(A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$select * from public.survey_trash({org_a})$$),
  '42501: only admins and owners of the organisation can see its trash',
  '[ISO-2-096] survey_trash(A) as owner_b: refused');
select is(pg_temp.attempt('admin_a', $$select * from public.survey_trash({org_a})$$),
  '1 rows',
  '[ISO-2-097] survey_trash(A) as admin_a: lists A''s one deleted survey');
select is(pg_temp.attempt('anon', $$select * from public.delete_survey({s_a2})$$),
  '42501: permission denied for function delete_survey',
  '[ISO-2-098] delete_survey(A2) as anon: refused');
select is(pg_temp.attempt('member_a', $$select * from public.delete_survey({s_a2})$$),
  '42501: only admins and owners of the organisation can delete or restore surveys',
  '[ISO-2-099] delete_survey(A2) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$select * from public.delete_survey({s_a2})$$),
  pg_temp.nf('s_a2'),
  '[ISO-2-100] delete_survey(A2) as removed_a: refused as not found (existence does not leak)');
select is(pg_temp.attempt('owner_b', $$select * from public.delete_survey({s_a2})$$),
  pg_temp.nf('s_a2'),
  '[ISO-2-101] delete_survey(A2) as owner_b: refused as not found (existence does not leak)');
select is(pg_temp.attempt('anon', $$select * from public.restore_survey({s_a_del})$$),
  '42501: permission denied for function restore_survey',
  '[ISO-2-102] restore_survey(A deleted) as anon: refused');
select is(pg_temp.attempt('member_a', $$select * from public.restore_survey({s_a_del})$$),
  '42501: only admins and owners of the organisation can delete or restore surveys',
  '[ISO-2-103] restore_survey(A deleted) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$select * from public.restore_survey({s_a_del})$$),
  pg_temp.nf('s_a_del'),
  '[ISO-2-104] restore_survey(A deleted) as removed_a: refused as not found');
select is(pg_temp.attempt('owner_b', $$select * from public.restore_survey({s_a_del})$$),
  pg_temp.nf('s_a_del'),
  '[ISO-2-105] restore_survey(A deleted) as owner_b: refused as not found');
select is(pg_temp.attempt('admin_a', $$select * from public.delete_survey({s_a2})$$),
  '1 rows',
  '[ISO-2-106] delete_survey as admin_a: deletes A2 (control)');
select is(pg_temp.attempt('owner_a', $$select * from public.restore_survey({s_a_del})$$),
  '1 rows',
  '[ISO-2-107] restore_survey as owner_a: restores A''s deleted survey (control)');
select is(pg_temp.attempt('owner_b', $$select * from public.delete_survey({s_b})$$),
  '1 rows',
  '[ISO-2-108] delete_survey as owner_b on B''s own survey works (control)');
select is(pg_temp.attempt('anon', $$select * from public.audit_events({org_a})$$),
  '42501: permission denied for function audit_events',
  '[ISO-2-109] audit_events(A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select * from public.audit_events({org_a})$$),
  '0 rows',
  '[ISO-2-110] audit_events(A) as member_a: sees nothing');
select is(pg_temp.attempt('removed_a', $$select * from public.audit_events({org_a})$$),
  '0 rows',
  '[ISO-2-111] audit_events(A) as removed_a: sees nothing');
select is(pg_temp.attempt('owner_b', $$select * from public.audit_events({org_a})$$),
  '0 rows',
  '[ISO-2-112] audit_events(A) as owner_b: sees nothing');
select is(pg_temp.attempt('admin_a', $$select * from public.audit_events({org_a})$$),
  '3 rows',
  '[ISO-2-113] audit_events(A) as admin_a: sees As three events');
select is(pg_temp.attempt('owner_a', $$select * from public.audit_events({org_a})$$),
  '3 rows',
  '[ISO-2-114] audit_events(A) as owner_a: sees As three events');
select is(pg_temp.attempt('owner_b', $$select * from public.audit_events({org_b})$$),
  '2 rows',
  '[ISO-2-115] audit_events(B) as owner_b: sees B''s own events (control)');
select is(pg_temp.attempt('owner_b', $$select 1 from audit.events where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-116] audit.events read directly by owner_b: nothing of A');
select is(pg_temp.attempt('admin_a', $$select 1 from audit.events where org_id = {org_b}$$),
  '0 rows',
  '[ISO-2-117] audit.events read directly by admin_a: nothing of B');

-- As postgres: nothing forbidden got through, and B is untouched.
select is((select count(*)::int from public.surveys where title = 'pwned' or slug like 'pwned%'), 0,
  '[ISO-2-118] no forbidden survey write landed');
select is((select count(*)::int from public.questions where prompt = 'pwned'), 0,
  '[ISO-2-119] no forbidden question write landed');
select is((select count(*)::int from public.responses where respondent_ref = 'pwned'), 0,
  '[ISO-2-120] no forbidden response write landed');
select results_eq(
  $$select id, org_id, title, deleted_at is null from public.surveys where id in (pg_temp.fx('s_a'), pg_temp.fx('s_a2'), pg_temp.fx('s_a_del')) order by title$$,
  $$values (pg_temp.fx('s_a'), pg_temp.fx('org_a'), 'Edited by owner'::text, true),
    (pg_temp.fx('s_a_del'), pg_temp.fx('org_a'), 'Survey A deleted'::text, true),
    (pg_temp.fx('s_a2'), pg_temp.fx('org_a'), 'Survey A2'::text, false)$$,
  '[ISO-2-121] A''s surveys: still in A, only the admins'' and owners'' changes applied');
select results_eq(
  $$select (select count(*) from public.questions where org_id = pg_temp.fx('org_b'))::int,
           (select count(*) from public.responses where org_id = pg_temp.fx('org_b'))::int,
           (select prompt from public.questions where id = pg_temp.fx('q_b')),
           (select org_id from public.questions where id = pg_temp.fx('q_a')),
           (select survey_id from public.responses where id = pg_temp.fx('r_a'))$$,
  $$values (1, 1, 'Question B'::text, pg_temp.fx('org_a'), pg_temp.fx('s_a'))$$,
  '[ISO-2-122] B''s children untouched; A''s children still in A under their survey');

select * from finish();
rollback;
