-- ---------------------------------------------------------------------------------------------
-- The isolation fixture shared by 02_isolation_matrix_*, 03_storage_isolation and
-- 04_policy_indexes (it used to be copied into each of them). Org A: owner, admin, member, a
-- removed member; org B: owner and member (the attackers next door); org C: a second org of A's
-- owner, so that RLS passes and the trigger / composite foreign keys are the guard being tested.
-- `invitee` has a profile and no membership anywhere (the subject of the invitation cells, which
-- create their invitations themselves: the fixture holds no invitation); `fresh` has neither.
-- ---------------------------------------------------------------------------------------------

-- The fixture's fixed ids by key. Only constants, so a view: this file runs once, outside any
-- test transaction, and must leave no rows behind (a table here would also be scanned by
-- 22_erasure_leaves_no_trace). The rows these ids name are created by tests.isolation_fixture()
-- inside each test's own transaction. Readable by the API roles because tests.attempt() and
-- cell SQL may look ids up while acting as one of them.
create view tests.fixture_ids (key, id) as values
  ('owner_a'::text, '10000000-0000-4000-8000-00000000a001'::uuid),
  ('admin_a',   '10000000-0000-4000-8000-00000000a002'),
  ('member_a',  '10000000-0000-4000-8000-00000000a003'),
  ('removed_a', '10000000-0000-4000-8000-00000000a004'),
  ('owner_b',   '10000000-0000-4000-8000-00000000b001'),
  ('member_b',  '10000000-0000-4000-8000-00000000b003'),
  ('fresh',     '10000000-0000-4000-8000-00000000f001'),
  ('invitee',   '10000000-0000-4000-8000-00000000e001'),
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

-- A view has no primary key: check once, at install, what the per-test temp table's
-- `key primary key, id unique` used to guarantee.
do $$
begin
  if exists (select key from tests.fixture_ids group by key having count(*) > 1)
     or exists (select id from tests.fixture_ids group by id having count(*) > 1) then
    raise exception 'tests.fixture_ids: duplicate key or id';
  end if;
end;
$$;

-- The fixture id named p_key (null for an unknown key). Shared so that every suite resolves
-- the same names to the same ids.
create function tests.fx(p_key text)
returns uuid
language sql
stable
as $$
  select id from tests.fixture_ids where key = p_key;
$$;

-- Creates the fixture's rows (users, profiles, orgs A/B/C, memberships, surveys, questions,
-- responses, recordings, transcripts, one audit event in B's chain), as postgres, bypassing
-- RLS. A function rather than rows installed here because helpers.sql is installed once,
-- outside any test transaction: each test must call it after `begin;` so that its rows, and
-- whatever the test then does to them, are rolled back with the test.
create function tests.isolation_fixture()
returns void
language plpgsql
as $$
declare
  u text;
begin
  if exists (select 1 from public.organizations where id = tests.fx('org_a')) then
    raise exception 'the isolation fixture already exists (was it created outside a rolled-back test?)';
  end if;

  foreach u in array array['owner_a', 'admin_a', 'member_a', 'removed_a', 'owner_b', 'member_b', 'fresh',
    'invitee']
  loop
    perform tests.create_user(tests.fx(u), u || '@example.test');
    if u <> 'fresh' then
      insert into public.profiles (id, display_name) values (tests.fx(u), 'Profile ' || u);
    end if;
  end loop;

  insert into public.organizations (id, name, created_by) values
    (tests.fx('org_a'), 'Org A', tests.fx('owner_a')),
    (tests.fx('org_b'), 'Org B', tests.fx('owner_b')),
    (tests.fx('org_c'), 'Org C', tests.fx('owner_a'));
  insert into public.memberships (org_id, user_id, role) values
    (tests.fx('org_a'), tests.fx('owner_a'), 'owner'),
    (tests.fx('org_a'), tests.fx('admin_a'), 'admin'),
    (tests.fx('org_a'), tests.fx('member_a'), 'member'),
    (tests.fx('org_a'), tests.fx('removed_a'), 'member'),
    (tests.fx('org_b'), tests.fx('owner_b'), 'owner'),
    (tests.fx('org_b'), tests.fx('member_b'), 'member'),
    (tests.fx('org_c'), tests.fx('owner_a'), 'owner');
  -- removed_a was a member of A until just now.
  delete from public.memberships
  where org_id = tests.fx('org_a') and user_id = tests.fx('removed_a');

  insert into public.surveys (id, org_id, title, slug, created_by) values
    (tests.fx('s_a'), tests.fx('org_a'), 'Survey A', 'survey-a', tests.fx('owner_a')),
    (tests.fx('s_a2'), tests.fx('org_a'), 'Survey A2', 'survey-a2', tests.fx('owner_a')),
    (tests.fx('s_b'), tests.fx('org_b'), 'Survey B', 'survey-b', tests.fx('owner_b')),
    (tests.fx('s_c'), tests.fx('org_c'), 'Survey C', 'survey-c', tests.fx('owner_a'));
  insert into public.surveys (id, org_id, title, slug, created_by, deleted_at, deleted_by) values
    (tests.fx('s_a_del'), tests.fx('org_a'), 'Survey A deleted', 'survey-a-deleted',
     tests.fx('owner_a'), now() - interval '1 day', tests.fx('owner_a'));

  insert into public.questions (id, org_id, survey_id, position, prompt) values
    (tests.fx('q_a'), tests.fx('org_a'), tests.fx('s_a'), 1, 'Question A'),
    (tests.fx('q_b'), tests.fx('org_b'), tests.fx('s_b'), 1, 'Question B'),
    (tests.fx('q_c'), tests.fx('org_c'), tests.fx('s_c'), 1, 'Question C');
  insert into public.responses (id, org_id, survey_id, respondent_ref) values
    (tests.fx('r_a'), tests.fx('org_a'), tests.fx('s_a'), 'ref-a'),
    (tests.fx('r_b'), tests.fx('org_b'), tests.fx('s_b'), 'ref-b'),
    (tests.fx('r_c'), tests.fx('org_c'), tests.fx('s_c'), 'ref-c');
  insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
    duration_ms, size_bytes, mime_type)
  select tests.fx(v.rec), tests.fx(v.org), tests.fx(v.s), tests.fx(v.r), tests.fx(v.q),
    format('%s/%s/%s/%s.webm', tests.fx(v.org), tests.fx(v.s), tests.fx(v.r), tests.fx(v.rec)),
    1000, 2048, 'audio/webm'
  from (values ('rec_a1', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_a2', 'org_a', 's_a', 'r_a', 'q_a'),
    ('rec_a3', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_b', 'org_b', 's_b', 'r_b', 'q_b'),
    ('rec_c', 'org_c', 's_c', 'r_c', 'q_c')) v(rec, org, s, r, q);
  insert into public.transcripts (id, org_id, survey_id, recording_id, body) values
    (tests.fx('t_a'), tests.fx('org_a'), tests.fx('s_a'), tests.fx('rec_a1'), 'Transcript A'),
    (tests.fx('t_b'), tests.fx('org_b'), tests.fx('s_b'), tests.fx('rec_b'), 'Transcript B');

  -- One audit event in B's chain (A already has one: removed_a's membership removal).
  perform audit.record_event('survey.soft_deleted', tests.fx('org_b'), 'public.surveys',
    tests.fx('s_b')::text, 'user_request', '{}', p_actor_id => tests.fx('owner_b'));
end;
$$;

-- The SQL of a matrix cell, with {key} replaced by the fixture's uuid literal and [key] by its
-- bare text (for use inside string literals such as object paths). Shared so that every suite
-- reads cells the same way (also used by 04_policy_indexes to plan cells).
create function tests.cell_sql(p_sql text)
returns text
language plpgsql
stable
as $$
declare
  r record;
  v text := p_sql;
begin
  for r in select key, id from tests.fixture_ids order by length(key) desc loop
    v := replace(v, '{' || r.key || '}', format('%L::uuid', r.id));
    v := replace(v, '[' || r.key || ']', r.id::text);
  end loop;
  if v ~ '[{\[][a-z_0-9]+[}\]]' then
    raise exception 'unknown fixture in %', v;
  end if;
  return v;
end;
$$;

-- Runs one cell of the matrix as `p_who` (anon, service_role, or a fixture user) exactly as
-- PostgREST would, and reports what happened: 'N rows' (rows read, or rows affected by a
-- write) or 'SQLSTATE: message'. Back to postgres afterwards. A write that succeeds stays
-- written (until the test's rollback). Shared so that every suite's cells mean the same thing.
create function tests.attempt(p_who text, p_sql text)
returns text
language plpgsql
as $$
declare
  v_sql text := tests.cell_sql(p_sql);
  v_user uuid := tests.fx(p_who);
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

