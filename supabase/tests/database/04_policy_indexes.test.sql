-- 04 Performance guards: policies can use their indexes. With sequential scans disabled, the
-- plans of typical member queries through RLS use an index on every table they touch, every
-- column set a policy filters on leads some index, and every foreign key is covered by an index
-- leading with its columns (Supabase's "unindexed foreign keys" lint).
begin;
select plan(16);
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

set local enable_seqscan = off;

-- The plan's nodes (type, relation) of `p_sql` planned as `p_who`, so RLS quals are in the plan.
create function pg_temp.plan_nodes(p_who text, p_sql text)
returns table (node_type text, relation text)
language plpgsql
as $$
declare
  v_sql text := pg_temp.cell_sql(p_sql);
  v_plan jsonb;
begin
  if p_who <> 'postgres' then
    perform tests.authenticate_as(pg_temp.fx(p_who));
  end if;
  execute 'explain (format json) ' || v_sql into v_plan;
  perform tests.clear_authentication();
  return query
    select n ->> 'Node Type', n ->> 'Relation Name'
    from jsonb_path_query(v_plan, 'strict $.**') as n
    where jsonb_typeof(n) = 'object' and n ? 'Node Type';
end;
$$;

-- 'ok' when no node is a Seq Scan and each of p_tables is read by an index node; else the nodes.
create function pg_temp.index_only_plan(p_who text, p_sql text, p_tables text[])
returns text
language sql
as $$
  with nodes as (select * from pg_temp.plan_nodes(p_who, p_sql))
  select case
    when not exists (select 1 from nodes where node_type = 'Seq Scan')
     and not exists (
       select 1 from unnest(p_tables) t
       where not exists (select 1 from nodes n where n.relation = t
         and n.node_type in ('Index Scan', 'Index Only Scan', 'Bitmap Heap Scan')))
    then 'ok'
    else (select string_agg(node_type || coalesce(' on ' || relation, ''), ', ') from nodes)
  end;
$$;

select is(
  pg_temp.index_only_plan('member_a', $$select * from public.surveys where org_id = {org_a}$$, array['surveys']),
  'ok', '[PERF-001] a member listing the surveys of an organisation: index scan, no Seq Scan');
select is(
  pg_temp.index_only_plan('member_a', $$select * from public.responses where survey_id = {s_a}$$, array['responses']),
  'ok', '[PERF-002] a member listing the responses of a survey: index scan, no Seq Scan');
select is(
  pg_temp.index_only_plan('member_a', $$select count(*) from public.recordings where survey_id = {s_a}$$, array['recordings']),
  'ok', '[PERF-003] a member counting the recordings of a survey: index scan, no Seq Scan');
select is(
  pg_temp.index_only_plan('member_a', $$select * from public.questions where survey_id = {s_a} order by position$$, array['questions']),
  'ok', '[PERF-004] a member listing the questions of a survey: index scan, no Seq Scan');
select is(
  pg_temp.index_only_plan('member_a', $$select t.body from public.transcripts t join public.recordings r on r.id = t.recording_id where r.survey_id = {s_a}$$,
    array['transcripts', 'recordings']),
  'ok', '[PERF-005] a member reading the transcripts of a survey: index scans on both tables');
select is(
  pg_temp.index_only_plan('member_a', $$select * from public.memberships where org_id = {org_a}$$, array['memberships']),
  'ok', '[PERF-006] a member listing the members of an organisation: index scan, no Seq Scan');
-- What the SECURITY DEFINER membership helpers run for every statement.
select is(
  pg_temp.index_only_plan('postgres', $$select m.org_id from public.memberships m where m.user_id = {member_a} and m.role in ('owner', 'admin')$$, array['memberships']),
  'ok', '[PERF-007] the membership helpers'' lookup by user_id uses an index');
select is(
  pg_temp.index_only_plan('postgres', $$select s.id from public.surveys s where s.deleted_at is null and s.org_id in ({org_a}, {org_b})$$, array['surveys']),
  'ok', '[PERF-008] the live-survey helper''s lookup by org_id uses an index');
select is(
  pg_temp.index_only_plan('member_a', $$select name from storage.objects where bucket_id = 'recordings' and name like '[org_a]/[s_a]/%'$$, array['objects']),
  'ok', '[PERF-009] a member listing a survey folder in Storage: index scan, no Seq Scan');

-- Column sets that policies filter on, and whether an index leads with exactly that set.
create function pg_temp.policies_without_leading_index(p_schemas text[])
returns table (policy text, columns text[])
language sql
stable
as $$
  with policy_cols as (
    select p.oid, format('%I.%I.%I', n.nspname, c.relname, p.polname) as policy, p.polrelid,
      array_agg(distinct d.refobjsubid::int2 order by d.refobjsubid::int2) as attnums
    from pg_catalog.pg_policy p
    join pg_catalog.pg_depend d on d.classid = 'pg_policy'::regclass and d.objid = p.oid
      and d.refclassid = 'pg_class'::regclass and d.refobjid = p.polrelid and d.refobjsubid > 0
    join pg_catalog.pg_attribute a on a.attrelid = p.polrelid and a.attnum = d.refobjsubid
    join pg_catalog.pg_class c on c.oid = p.polrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any (p_schemas)
      and (a.attname in ('id', 'user_id') or a.attname like '%\_id')
    group by p.oid, p.polname, p.polrelid, n.nspname, c.relname
  )
  select pc.policy,
    (select array_agg(a.attname::text order by a.attnum) from pg_catalog.pg_attribute a
     where a.attrelid = pc.polrelid and a.attnum = any (pc.attnums))
  from policy_cols pc
  where not exists (
    select 1 from pg_catalog.pg_index i
    where i.indrelid = pc.polrelid and i.indisvalid
      and (select array_agg(k order by k) from unnest(
            (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(pc.attnums)]) k)
          = pc.attnums
  )
$$;

-- Foreign keys whose column set does not lead any valid index.
create function pg_temp.unindexed_foreign_keys(p_schemas text[])
returns table (fkey text, columns text[])
language sql
stable
as $$
  select format('%I.%I.%I', c.connamespace::regnamespace::text, (select relname from pg_catalog.pg_class where oid = c.conrelid), c.conname),
    (select array_agg(a.attname::text order by a.attnum) from pg_catalog.pg_attribute a
     where a.attrelid = c.conrelid and a.attnum = any (c.conkey))
  from pg_catalog.pg_constraint c
  where c.contype = 'f' and c.connamespace::regnamespace::text = any (p_schemas)
    and not exists (
      select 1 from pg_catalog.pg_index i
      where i.indrelid = c.conrelid and i.indisvalid
        and (select array_agg(k order by k) from unnest(
              (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]) k)
            = (select array_agg(k order by k) from unnest(c.conkey) k)
    )
$$;

select is_empty(
  $$select * from pg_temp.policies_without_leading_index(array['public', 'audit'])$$,
  '[PERF-010] every id column set a policy filters on (org_id, survey_id, user_id, id) leads an index'
);
select set_eq(
  $$select p.polrelid::regclass::text || '.' || p.polname from pg_catalog.pg_policy p
    join pg_catalog.pg_class c on c.oid = p.polrelid
    where c.relnamespace::regnamespace::text in ('public', 'audit')
      and exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_policy'::regclass
                  and d.objid = p.oid and d.refobjsubid > 0)$$,
  $$select p.polrelid::regclass::text || '.' || p.polname from pg_catalog.pg_policy p
    join pg_catalog.pg_class c on c.oid = p.polrelid
    where c.relnamespace::regnamespace::text in ('public', 'audit')$$,
  '[PERF-011] every policy''s columns are visible to the check (no policy escapes it)'
);
select ok(
  exists (select 1 from pg_catalog.pg_index i
          where i.indrelid = 'public.memberships'::regclass
            and i.indkey[0] = (select attnum from pg_catalog.pg_attribute
                               where attrelid = 'public.memberships'::regclass and attname = 'user_id')),
  '[PERF-012] memberships has an index leading with user_id (every helper looks up auth.uid())'
);
select is_empty(
  $$select * from pg_temp.unindexed_foreign_keys(array['public', 'private', 'audit'])$$,
  '[PERF-013] every foreign key is covered by an index leading with its columns'
);

-- The checks can fail.
create table public.perf_probe (
  id int primary key,
  org_id uuid references public.organizations (id),
  survey_id uuid
);
alter table public.perf_probe enable row level security;
create policy perf_probe_select on public.perf_probe for select to authenticated
  using (survey_id in (select private.user_live_survey_ids()));
select set_eq(
  $$select policy || ' ' || columns::text from pg_temp.policies_without_leading_index(array['public'])$$,
  array['public.perf_probe.perf_probe_select {survey_id}'],
  '[PERF-014] a policy on an unindexed column is reported'
);
select set_eq(
  $$select fkey || ' ' || columns::text from pg_temp.unindexed_foreign_keys(array['public'])$$,
  array['public.perf_probe.perf_probe_org_id_fkey {org_id}'],
  '[PERF-015] an unindexed foreign key is reported'
);
insert into public.perf_probe
select g, '20000000-0000-4000-8000-00000000000a', '30000000-0000-4000-8000-00000000a001'
from generate_series(1, 100) g;
analyze public.perf_probe;
select isnt(
  pg_temp.index_only_plan('member_a', $$select * from public.perf_probe where survey_id = {s_a}$$, array['perf_probe']),
  'ok',
  '[PERF-016] ... and its plan fails the guard (Seq Scan despite enable_seqscan = off)'
);

select * from finish();
rollback;
