-- ---------------------------------------------------------------------------------------------
-- The isolation fixture and the matrix driver shared by 02_isolation_matrix_*, 03_storage_isolation
-- and 04_policy_indexes. Org A: owner, admin, member, a removed member; org B: owner and member
-- (the attackers next door); org C: a second org of A's owner, so that RLS passes and the
-- trigger / composite foreign keys are the guard being tested. `invitee` has a profile and no
-- membership anywhere (the subject of the invitation cells, which create their invitations
-- themselves: the fixture holds no invitation); `fresh` has neither.
--
-- A cell is one statement run as one identity, with its exact expected outcome:
--   'N rows'             rows read (select) or affected (insert, update, delete, call)
--   'SQLSTATE: message'  the refusal
-- Cell SQL and expected outcomes name fixtures, never uuids: {key} stands for the uuid literal
-- of the fixture `key`, [key] for its bare text (inside string literals such as object paths).
-- ---------------------------------------------------------------------------------------------

-- The fixture's fixed ids by key. Only constants, so a view: this file runs once, outside any
-- test transaction, and must leave no rows behind (a table here would also be scanned by the
-- erasure suites). The rows these ids name are created inside each test's own transaction, by
-- tests.isolation_fixture() or, for org_i and erased_invitee, by the suite that needs them.
-- file_* are the file ids of the object names that cells upload: file_x is the one every
-- refused upload tries, so no attempt can collide with an allowed one.
-- Readable by the API roles because tests.attempt() resolves ids while acting as one of them.
create view tests.fixture_ids (key, id) as values
  ('owner_a'::text, '10000000-0000-4000-8000-00000000a001'::uuid),
  ('admin_a',   '10000000-0000-4000-8000-00000000a002'),
  ('member_a',  '10000000-0000-4000-8000-00000000a003'),
  ('removed_a', '10000000-0000-4000-8000-00000000a004'),
  ('owner_b',   '10000000-0000-4000-8000-00000000b001'),
  ('member_b',  '10000000-0000-4000-8000-00000000b003'),
  ('fresh',     '10000000-0000-4000-8000-00000000f001'),
  ('invitee',   '10000000-0000-4000-8000-00000000e001'),
  ('erased_invitee', '10000000-0000-4000-8000-00000000e0ff'),
  ('org_a',     '20000000-0000-4000-8000-00000000000a'),
  ('org_b',     '20000000-0000-4000-8000-00000000000b'),
  ('org_c',     '20000000-0000-4000-8000-00000000000c'),
  ('org_i',     '20000000-0000-4000-8000-00000000001a'),
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
  ('t_b',       '70000000-0000-4000-8000-00000000b001'),
  ('file_owner',  '80000000-0000-4000-8000-0000000000a1'),
  ('file_admin',  '80000000-0000-4000-8000-0000000000a2'),
  ('file_member', '80000000-0000-4000-8000-0000000000a3'),
  ('file_member_2', '80000000-0000-4000-8000-0000000000a4'),
  ('file_x',      '80000000-0000-4000-8000-0000000000ff');

-- A view has no primary key: keys and ids are checked unique once, at install.
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
-- RLS. A function rather than rows installed here because this file is installed once, outside
-- any test transaction: each test calls it after `begin;` so that its rows, and whatever the
-- test then does to them, are rolled back with the test.
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
  -- removed_a leaves A the way a removal does (audited as membership.removed in A's chain).
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

  -- One audit event in B's chain (A's chain holds removed_a's removal).
  perform audit.record_event('survey.soft_deleted', tests.fx('org_b'), 'public.surveys',
    tests.fx('s_b')::text, 'user_request', '{}', p_actor_id => tests.fx('owner_b'));
end;
$$;

-- p_template with {key} replaced by the fixture's uuid literal and [key] by its bare text.
-- Raises on a key the fixture does not know, so a typo cannot turn a cell into a no-op.
create function tests.expand_fixtures(p_template text)
returns text
language plpgsql
stable
as $$
declare
  r record;
  v text := p_template;
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

-- Runs the SQL of one cell as `p_who` (anon, service_role, or a fixture user) exactly as
-- PostgREST would, and reports what happened: 'N rows' or 'SQLSTATE: message'. Back to
-- postgres afterwards. A write that succeeds stays written until the test's rollback, so later
-- cells see it.
create function tests.attempt(p_who text, p_sql text)
returns text
language plpgsql
as $$
declare
  v_sql text := tests.expand_fixtures(p_sql);
  -- An isolation-fixture key, or a named user (tests.create_user).
  v_user uuid := coalesce(tests.fx(p_who), case when p_who not in ('anon', 'service_role')
    then tests.user_id(p_who) end);
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

-- A cell written out in full: its id ('ISO-1-001'), identity, SQL, expected outcome and what it
-- proves.
create type tests.cell as (id text, who text, sql text, expected text, description text);

-- One identity's expected outcome of a statement shared by a group of cells.
create type tests.outcome as (id text, who text, expected text);

-- One pgTAP test per cell, run in the order given: a cell may rely on what an earlier cell
-- wrote. Each reads '[id] description'.
create function tests.check_cells(p_cells tests.cell[])
returns setof text
language plpgsql
as $$
declare
  c tests.cell;
begin
  foreach c in array p_cells loop
    return next is(tests.attempt(c.who, c.sql), tests.expand_fixtures(c.expected),
      format('[%s] %s', c.id, c.description));
  end loop;
end;
$$;

-- The cells of one statement (p_sql) tried by several identities: one pgTAP test per outcome,
-- in the order given, each reading '[id] <p_what> as <who>: refused' or ': N rows'.
create function tests.check_cells(p_what text, p_sql text, p_outcomes tests.outcome[])
returns setof text
language sql
as $$
  select tests.check_cells(array(
    select (o.id, o.who, p_sql, o.expected,
      format('%s as %s: %s', p_what, o.who,
        case when o.expected ~ '^\d+ rows$' then o.expected else 'refused' end))::tests.cell
    from unnest(p_outcomes) with ordinality as o(id, who, expected, n)
    order by o.n
  ));
$$;

-- tests.attempt() and the cell SQL run as anon, authenticated and service_role.
grant select on tests.fixture_ids to anon, authenticated, service_role;
grant execute on function tests.fx(text), tests.expand_fixtures(text), tests.attempt(text, text)
  to anon, authenticated, service_role;
