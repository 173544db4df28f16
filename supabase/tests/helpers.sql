-- Test helpers for the pgTAP suites (schema `tests`). Installed by scripts/test.sh after the
-- migrations, on the local stack only: never part of supabase/migrations/.
-- They set the role and claims exactly as PostgREST does for a request (set_config(..., true)
-- of `role` and `request.jwt.claims`), so policies and auth.uid() see what production sees.

drop schema if exists tests cascade;
create schema tests;
grant usage on schema tests to anon, authenticated, service_role;

-- A confirmed auth user with an email (and optionally a phone), as GoTrue would store it.
create function tests.create_user(p_id uuid, p_email text, p_phone text default null)
returns uuid
language sql
as $$
  insert into auth.users (instance_id, id, aud, role, email, phone, email_confirmed_at,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values ('00000000-0000-0000-0000-000000000000', p_id, 'authenticated', 'authenticated',
    p_email, p_phone, now(), '{"provider":"email","providers":["email"]}', '{}', now(), now())
  returning id;
$$;

-- Become a signed-in user for the rest of the transaction (as PostgREST would).
create function tests.authenticate_as(p_user_id uuid)
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', json_build_object(
    'sub', p_user_id, 'role', 'authenticated', 'aud', 'authenticated',
    'email', (select u.email from auth.users u where u.id = p_user_id))::text, true);
  perform set_config('role', 'authenticated', true);
end;
$$;

create function tests.authenticate_as_anon()
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  perform set_config('role', 'anon', true);
end;
$$;

create function tests.authenticate_as_service_role()
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  perform set_config('role', 'service_role', true);
end;
$$;

-- Back to the test's own role (postgres) with no claims.
create function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

-- The controllable clock read by private.current_time().
create function tests.set_now(p_now timestamptz)
returns void
language sql
as $$
  select set_config('cluso.now', p_now::text, true);
$$;

create function tests.clear_now()
returns void
language sql
as $$
  select set_config('cluso.now', '', true);
$$;

-- Fixtures, written directly as postgres (bypassing RLS) so each test states only its subject.
create function tests.create_org(p_owner uuid, p_name text default 'Test org')
returns uuid
language plpgsql
as $$
declare
  v_org uuid;
begin
  insert into public.organizations (name, created_by) values (p_name, p_owner) returning id into v_org;
  insert into public.memberships (org_id, user_id, role) values (v_org, p_owner, 'owner');
  return v_org;
end;
$$;

create function tests.add_member(p_org uuid, p_user uuid, p_role public.org_role)
returns void
language sql
as $$
  insert into public.memberships (org_id, user_id, role) values (p_org, p_user, p_role);
$$;

-- A survey with p_questions questions, p_responses responses, and one recording (with its
-- transcript) per response and question. Returns the survey id.
create function tests.create_survey(
  p_org uuid, p_slug text default null, p_questions int default 2, p_responses int default 2
)
returns uuid
language plpgsql
as $$
declare
  v_survey uuid;
begin
  insert into public.surveys (org_id, title, slug)
  values (p_org, 'Survey ' || coalesce(p_slug, 'x'), coalesce(p_slug, 's-' || substr(md5(random()::text), 1, 10)))
  returning id into v_survey;
  insert into public.questions (org_id, survey_id, position, prompt)
  select p_org, v_survey, g, 'Question ' || g from generate_series(1, p_questions) g;
  insert into public.responses (org_id, survey_id, respondent_ref)
  select p_org, v_survey, 'resp-' || g from generate_series(1, p_responses) g;
  insert into public.recordings (org_id, survey_id, response_id, question_id, object_path,
    duration_ms, size_bytes, mime_type)
  select p_org, v_survey, r.id, q.id,
    p_org || '/' || v_survey || '/' || r.id || '/' || q.id || '.webm', 1000, 2048, 'audio/webm'
  from public.responses r cross join public.questions q
  where r.survey_id = v_survey and q.survey_id = v_survey;
  insert into public.transcripts (org_id, survey_id, recording_id, body)
  select p_org, v_survey, rec.id, 'transcript of ' || rec.id
  from public.recordings rec where rec.survey_id = v_survey;
  return v_survey;
end;
$$;

-- A Storage object row as the Storage API would create it (tests of storage RLS and of the
-- reconciliation read storage.objects; the bytes are the Storage stand-in's concern).
create function tests.create_object(p_bucket text, p_name text)
returns uuid
language sql
as $$
  insert into storage.objects (bucket_id, name, metadata)
  values (p_bucket, p_name, '{"size": 2048, "mimetype": "audio/webm"}')
  returning id;
$$;

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

-- ---------------------------------------------------------------------------------------------
-- The catalog check run by 01_rls_catalog, and proven able to fail by 00_platform_standin on a
-- table created without RLS. One shared definition, so the check 00 proves is by construction
-- the one 01 relies on (the two files used to carry copies and compare their md5).
-- One row per hole: a table in an exposed schema (public, graphql_public; plus storage.objects)
-- without RLS, a command anon/authenticated may run with no policy for that role, a view
-- without security_invoker, a materialized view or foreign table readable by an API role, or
-- TRUNCATE (which ignores RLS) held by an API role on a table of an exposed schema.
-- ---------------------------------------------------------------------------------------------
create function tests.rls_catalog_violations()
returns table (object text, api_role text, command text, problem text)
language sql
stable
as $fn$
  with exposed as (
    select c.oid, format('%I.%I', n.nspname, c.relname) as object, c.relkind, c.relrowsecurity,
      coalesce(c.reloptions, '{}') as reloptions, n.nspname
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where (n.nspname in ('public', 'graphql_public') and c.relkind in ('r', 'p', 'v', 'm', 'f'))
       or c.oid = 'storage.objects'::regclass
  ),
  api_roles as (
    select r.oid, r.rolname from pg_catalog.pg_roles r where r.rolname in ('anon', 'authenticated')
  ),
  commands (command, polcmd) as (
    values ('SELECT', 'r'::"char"), ('INSERT', 'a'::"char"), ('UPDATE', 'w'::"char"),
      ('DELETE', 'd'::"char")
  )
  select e.object, null::text, null::text, 'rls_disabled'
  from exposed e
  where e.relkind in ('r', 'p') and not e.relrowsecurity
  union all
  select e.object, r.rolname::text, cmd.command, 'privilege_without_policy'
  from exposed e
  cross join api_roles r
  cross join commands cmd
  where e.relkind in ('r', 'p') and e.relrowsecurity
    and (
      pg_catalog.has_table_privilege(r.oid, e.oid, cmd.command)
      or (cmd.command <> 'DELETE' and pg_catalog.has_any_column_privilege(r.oid, e.oid, cmd.command))
    )
    and not exists (
      select 1
      from pg_catalog.pg_policy p
      cross join lateral unnest(p.polroles) as pr(role_oid)
      where p.polrelid = e.oid
        and p.polcmd in (cmd.polcmd, '*')
        and (pr.role_oid = 0 or pg_catalog.pg_has_role(r.oid, pr.role_oid, 'MEMBER'))
    )
  union all
  select e.object, null, null, 'view_without_security_invoker'
  from exposed e
  where e.relkind = 'v'
    and not (lower(e.reloptions::text)::text[] && array['security_invoker=true',
      'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'])
  union all
  select e.object, r.rolname::text, 'SELECT', 'exposed_without_rls'
  from exposed e
  cross join api_roles r
  where e.relkind in ('m', 'f') and pg_catalog.has_any_column_privilege(r.oid, e.oid, 'SELECT')
  union all
  select e.object, r.rolname::text, 'TRUNCATE', 'truncate_bypasses_rls'
  from exposed e
  cross join api_roles r
  where e.relkind in ('r', 'p') and e.nspname in ('public', 'graphql_public')
    and pg_catalog.has_table_privilege(r.oid, e.oid, 'TRUNCATE')
$fn$;

-- Every helper is executable by the API roles: tests.attempt() and the authenticate_as*
-- helpers run part of their work as anon/authenticated/service_role. All run as invoker.
grant execute on all functions in schema tests to anon, authenticated, service_role;
grant select on tests.fixture_ids to anon, authenticated, service_role;
