-- 02 Isolation matrix, organisation group: profiles, organizations, memberships, the
-- create_organization RPC, last-owner protection and removal. Every cell runs one statement as
-- one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(104);
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

-- profiles: own row, co-members' rows readable; only one's own row writable; no delete.
select is(pg_temp.attempt('anon', $$select 1 from public.profiles where id = {owner_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-001] profiles select (A owner''s profile) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-002] profiles select (A owner''s profile) as member_a: affects/reads 1 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-003] profiles select (A owner''s profile) as admin_a: affects/reads 1 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-004] profiles select (A owner''s profile) as owner_a: affects/reads 1 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '0 rows',
  '[ISO-1-005] profiles select (A owner''s profile) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.profiles where id = {owner_a}$$),
  '0 rows',
  '[ISO-1-006] profiles select (A owner''s profile) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: permission denied for table profiles',
  '[ISO-1-007] profiles insert (forged id) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-008] profiles insert (forged id) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-009] profiles insert (forged id) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-010] profiles insert (forged id) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-011] profiles insert (forged id) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-012] profiles insert (forged id) as owner_b: refused');
select is(pg_temp.attempt('fresh', $$insert into public.profiles (id, display_name) values ({fresh}, 'Fresh')$$),
  '1 rows',
  '[ISO-1-013] profiles insert: a user creates their own profile (control)');
select is(pg_temp.attempt('anon', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-014] profiles update (member''s profile) as anon: refused');
select is(pg_temp.attempt('admin_a', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-015] profiles update (member''s profile) as admin_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_a', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-016] profiles update (member''s profile) as owner_a: affects/reads 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-017] profiles update (member''s profile) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-018] profiles update (member''s profile) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('member_a', $$update public.profiles set display_name = 'Member renamed' where id = {member_a}$$),
  '1 rows',
  '[ISO-1-019] profiles update: a user edits their own profile (control)');
select is(pg_temp.attempt('member_a', $$update public.profiles set id = {owner_b} where id = {member_a}$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-020] profiles update: a user cannot re-key their profile to another user');
select is(pg_temp.attempt('anon', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-021] profiles delete as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-022] profiles delete as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-023] profiles delete as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-024] profiles delete as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-025] profiles delete as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-026] profiles delete as owner_b: refused');

-- organizations: members read; only owners update; insert/delete only through RPCs.
select is(pg_temp.attempt('anon', $$select 1 from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-027] organizations select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-028] organizations select (org A) as member_a: affects/reads 1 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-029] organizations select (org A) as admin_a: affects/reads 1 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-030] organizations select (org A) as owner_a: affects/reads 1 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-031] organizations select (org A) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-032] organizations select (org A) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-033] organizations insert as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-034] organizations insert as member_a: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-035] organizations insert as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-036] organizations insert as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-037] organizations insert as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-038] organizations insert as owner_b: refused');
select is(pg_temp.attempt('anon', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-039] organizations update (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-040] organizations update (org A) as member_a: affects/reads 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-041] organizations update (org A) as admin_a: affects/reads 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-042] organizations update (org A) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-043] organizations update (org A) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('owner_a', $$update public.organizations set name = 'Org A renamed' where id = {org_a}$$),
  '1 rows',
  '[ISO-1-044] organizations update as owner_a: renames their organisation (control)');
select is(pg_temp.attempt('anon', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-045] organizations delete (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-046] organizations delete (org A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-047] organizations delete (org A) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-048] organizations delete (org A) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-049] organizations delete (org A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-050] organizations delete (org A) as owner_b: refused');

-- memberships: members read their org's; only owners add, change and remove; anyone may leave.
select is(pg_temp.attempt('anon', $$select 1 from public.memberships where org_id = {org_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-051] memberships select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '3 rows',
  '[ISO-1-052] memberships select (org A) as member_a: affects/reads 3 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '3 rows',
  '[ISO-1-053] memberships select (org A) as admin_a: affects/reads 3 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '3 rows',
  '[ISO-1-054] memberships select (org A) as owner_a: affects/reads 3 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-055] memberships select (org A) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-056] memberships select (org A) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-057] memberships insert (owner_b as owner of A) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-058] memberships insert (owner_b as owner of A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-059] memberships insert (owner_b as owner of A) as admin_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-060] memberships insert (owner_b as owner of A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-061] memberships insert (owner_b as owner of A) as owner_b: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {removed_a}, 'member')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-062] memberships insert: a removed member cannot re-add themselves');
select is(pg_temp.attempt('owner_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {fresh}, 'member')$$),
  '1 rows',
  '[ISO-1-063] memberships insert as owner_a: adds a member (control)');
select is(pg_temp.attempt('anon', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-064] memberships update (promote member_a to owner) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-065] memberships update (promote member_a to owner) as member_a: affects/reads 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-066] memberships update (promote member_a to owner) as admin_a: affects/reads 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-067] memberships update (promote member_a to owner) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-068] memberships update (promote member_a to owner) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('owner_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {fresh}$$),
  '1 rows',
  '[ISO-1-069] memberships update as owner_a: changes a role (control)');
select is(pg_temp.attempt('owner_a', $$update public.memberships set org_id = {org_c} where org_id = {org_a} and user_id = {fresh}$$),
  '42501: org_id cannot change after insert (table memberships)',
  '[ISO-1-070] memberships update: an owner of A and C cannot move a membership to C (org_id immutable)');
select is(pg_temp.attempt('owner_b', $$update public.memberships set org_id = {org_a} where org_id = {org_b} and user_id = {member_b}$$),
  '42501: org_id cannot change after insert (table memberships)',
  '[ISO-1-071] memberships update: owner_b cannot move a B membership into A');
select is(pg_temp.attempt('anon', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-072] memberships delete (fresh from A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-073] memberships delete (fresh from A) as member_a: affects/reads 0 rows');
select is(pg_temp.attempt('admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-074] memberships delete (fresh from A) as admin_a: affects/reads 0 rows');
select is(pg_temp.attempt('removed_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-075] memberships delete (fresh from A) as removed_a: affects/reads 0 rows');
select is(pg_temp.attempt('owner_b', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-076] memberships delete (fresh from A) as owner_b: affects/reads 0 rows');
select is(pg_temp.attempt('owner_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '1 rows',
  '[ISO-1-077] memberships delete as owner_a: removes a member (control)');

-- The RPC that creates organisations.
select is(pg_temp.attempt('anon', $$select * from public.create_organization('pwned')$$),
  '42501: permission denied for function create_organization',
  '[ISO-1-078] create_organization as anon: refused');
select is(pg_temp.attempt('fresh', $$select * from public.create_organization('Fresh Org')$$),
  '1 rows',
  '[ISO-1-079] create_organization as a signed-in user: creates one organisation');
select results_eq(
  $$select m.user_id, m.role::text, o.created_by from public.organizations o
    join public.memberships m on m.org_id = o.id where o.name = 'Fresh Org'$$,
  $$select pg_temp.fx('fresh'), 'owner', pg_temp.fx('fresh')$$,
  '[ISO-1-080] create_organization: the caller is the sole member, as owner, and the creator');
select is(pg_temp.attempt('fresh', $$select 1 from public.organizations where name in ('Org A renamed', 'Org B', 'Org C')$$),
  '0 rows',
  '[ISO-1-081] create_organization: the new owner sees no other organisation');

-- The RPC that deletes organisations (owners only; another org's id is 'not found').
create function pg_temp.org_nf(p_key text) returns text language sql as $$ select format('P0002: organisation %s not found', pg_temp.fx(p_key)) $$;
select is(pg_temp.attempt('anon', $$select public.delete_organization({org_a})$$),
  '42501: permission denied for function delete_organization',
  '[ISO-1-082] delete_organization(A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select public.delete_organization({org_a})$$),
  '42501: only owners can delete an organisation',
  '[ISO-1-083] delete_organization(A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$select public.delete_organization({org_a})$$),
  '42501: only owners can delete an organisation',
  '[ISO-1-084] delete_organization(A) as admin_a: refused');
select is(pg_temp.attempt('removed_a', $$select public.delete_organization({org_a})$$),
  pg_temp.org_nf('org_a'),
  '[ISO-1-085] delete_organization(A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$select public.delete_organization({org_a})$$),
  pg_temp.org_nf('org_a'),
  '[ISO-1-086] delete_organization(A) as owner_b: refused');
select is((select count(*)::int from public.organizations where id = pg_temp.fx('org_a')), 1,
  '[ISO-1-087] delete_organization: org A still exists after the refused attempts');

-- The last owner stays.
select is(pg_temp.attempt('owner_a', $$delete from public.memberships where org_id = {org_a} and user_id = {owner_a}$$),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  '[ISO-1-088] last owner: owner_a cannot leave A');
select is(pg_temp.attempt('owner_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {owner_a}$$),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  '[ISO-1-089] last owner: owner_a cannot demote themselves');
select is(pg_temp.attempt('owner_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {admin_a}$$),
  '1 rows',
  '[ISO-1-090] last owner: owner_a makes admin_a a second owner');
select is(pg_temp.attempt('admin_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {owner_a}$$),
  '1 rows',
  '[ISO-1-091] last owner: with two owners, one may demote the other');
select is(pg_temp.attempt('admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {admin_a}$$),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  '[ISO-1-092] last owner: the new sole owner cannot leave either');

-- A removed member loses access at once (same transaction, no new token).
select is(pg_temp.attempt('member_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-093] removal: member_a reads org A before removal');
select is(pg_temp.attempt('admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {member_a}$$),
  '1 rows',
  '[ISO-1-094] removal: the owner removes member_a');
select is(pg_temp.attempt('member_a', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-095] removal: member_a no longer reads org A');
select is(pg_temp.attempt('member_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-096] removal: member_a no longer reads A''s memberships');
select is(pg_temp.attempt('member_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '0 rows',
  '[ISO-1-097] removal: member_a no longer reads former co-members'' profiles');
select is(pg_temp.attempt('member_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-098] removal: member_a no longer reads A''s surveys');

-- As postgres: nothing forbidden got through.
select is((select count(*)::int from public.profiles where display_name = 'pwned'), 0,
  '[ISO-1-099] no forbidden profile write landed');
select is((select count(*)::int from public.organizations where name = 'pwned'), 0,
  '[ISO-1-100] no forbidden organisation write landed');
select results_eq(
  $$select name from public.organizations where id in (pg_temp.fx('org_a'), pg_temp.fx('org_b')) order by name$$,
  $$values ('Org A renamed'::text), ('Org B'::text)$$,
  '[ISO-1-101] only the owner''s rename of A happened; B is untouched');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = pg_temp.fx('org_b') order by 2, 1$$,
  $$values (pg_temp.fx('member_b'), 'member'), (pg_temp.fx('owner_b'), 'owner')$$,
  '[ISO-1-102] org B''s memberships are untouched');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = pg_temp.fx('org_a') order by 2, 1$$,
  $$values (pg_temp.fx('owner_a'), 'admin'), (pg_temp.fx('admin_a'), 'owner')$$,
  '[ISO-1-103] org A holds exactly the memberships its owners left it with');
select is((select display_name from public.profiles where id = pg_temp.fx('member_a')), 'Member renamed',
  '[ISO-1-104] profile edits landed only on the editor''s own row');

select * from finish();
rollback;
