-- 04 Performance guards: policies can use their indexes. With sequential scans disabled, the
-- plans of typical member queries through RLS use an index on every table they touch, every
-- column set a policy filters on leads some index, and every foreign key is covered by an index
-- leading with its columns (Supabase's "unindexed foreign keys" lint). Plans that a session's
-- plan cache or the planner's estimates could turn slow stay fast: the policy helpers with
-- parameters are pinned to their generic plan, and reading Storage folders is an index range scan
-- per folder over a large bucket.
-- The fixture and {key} templates: supabase/tests/helpers/20_isolation.sql.
begin;
select plan(23);
select tests.isolation_fixture();

set local enable_seqscan = off;

-- The plan's nodes (type, relation) of `p_sql` planned as `p_who`, so RLS quals are in the plan.
create function pg_temp.plan_nodes(p_who text, p_sql text)
returns table (node_type text, relation text)
language plpgsql
as $$
declare
  v_sql text := tests.expand_fixtures(p_sql);
  v_plan jsonb;
begin
  if p_who <> 'postgres' then
    perform tests.authenticate_as(tests.fx(p_who));
  end if;
  execute 'explain (format json) ' || v_sql into v_plan;
  perform tests.clear_authentication();
  return query
    select n ->> 'Node Type', n ->> 'Relation Name'
    from jsonb_path_query(v_plan, 'strict $.**') as n
    where jsonb_typeof(n) = 'object' and n ? 'Node Type';
end;
$$;

-- The JSON plan of p_sql as postgres.
create function pg_temp.explain_json(p_sql text)
returns jsonb
language plpgsql
as $$
declare
  v_plan jsonb;
begin
  execute 'explain (format json) ' || p_sql into v_plan;
  return v_plan;
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

-- Each query, planned as `who` (postgres for the helpers' own lookups), reads each listed table
-- by an index and has no Seq Scan. The helpers are the SECURITY DEFINER lookups that policies
-- run once per statement: the role helper private.user_org_ids(p_min_role) (PERF-007), and the
-- live-survey lookup of the recordings broker (PERF-008).
select is(pg_temp.index_only_plan(q.who, q.sql, q.tables), 'ok', format('[%s] %s', q.id, q.description))
from (values
  ('PERF-001', 'member_a', $$select * from public.surveys where org_id = {org_a}$$, array['surveys'],
    'a member listing the surveys of an organisation: index scan, no Seq Scan'),
  ('PERF-002', 'member_a', $$select * from public.responses where survey_id = {s_a}$$, array['responses'],
    'a member listing the responses of a survey: index scan, no Seq Scan'),
  ('PERF-003', 'member_a', $$select count(*) from public.recordings where survey_id = {s_a}$$, array['recordings'],
    'a member counting the recordings of a survey: index scan, no Seq Scan'),
  ('PERF-004', 'member_a', $$select * from public.questions where survey_id = {s_a} order by position$$, array['questions'],
    'a member listing the questions of a survey: index scan, no Seq Scan'),
  ('PERF-005', 'member_a', $$select t.body from public.transcripts t join public.recordings r on r.id = t.recording_id where r.survey_id = {s_a}$$,
    array['transcripts', 'recordings'], 'a member reading the transcripts of a survey: index scans on both tables'),
  ('PERF-006', 'member_a', $$select * from public.memberships where org_id = {org_a}$$, array['memberships'],
    'a member listing the members of an organisation: index scan, no Seq Scan'),
  ('PERF-007', 'postgres', $$select m.org_id from public.memberships m where m.user_id = {member_a} and m.role <= 'admin'$$,
    array['memberships'], 'the role helper''s lookup by user_id uses an index'),
  ('PERF-008', 'postgres', $$select s.id from public.surveys s where s.deleted_at is null and s.org_id in ({org_a}, {org_b})$$,
    array['surveys'], 'the live-survey helper''s lookup by org_id uses an index'),
  ('PERF-009', 'member_a', $$select name from storage.objects where bucket_id = 'recordings' and name like '[org_a]/[s_a]/%'$$,
    array['objects'], 'a member listing a survey folder in Storage: index scan, no Seq Scan')
) as q(id, who, sql, tables, description)
order by q.id;

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

-- PL/pgSQL functions that policies call and that take parameters, whose look-ups the plan
-- cache could keep planning afresh for a whole session (20261208000100_role_helper_generic_plan):
-- those not pinned to the generic plan.
create function pg_temp.policy_helpers_not_pinned()
returns setof text
language sql
stable
as $$
  select distinct f.oid::regprocedure::text
  from pg_catalog.pg_policy p
  join pg_catalog.pg_depend d on d.classid = 'pg_policy'::regclass and d.objid = p.oid
    and d.refclassid = 'pg_proc'::regclass
  join pg_catalog.pg_proc f on f.oid = d.refobjid
  join pg_catalog.pg_language l on l.oid = f.prolang
  where l.lanname = 'plpgsql' and f.pronargs > 0
    and not ('plan_cache_mode=force_generic_plan' = any (coalesce(f.proconfig, '{}')))
$$;

select is_empty(
  $$select * from pg_temp.policy_helpers_not_pinned()$$,
  '[PERF-017] every PL/pgSQL policy helper with parameters runs its look-ups with the generic plan'
);
select is(
  (select array_agg(c order by c) from pg_catalog.pg_proc f, unnest(f.proconfig) c
   where f.oid = 'private.user_org_ids(public.org_role)'::regprocedure),
  array['plan_cache_mode=force_generic_plan', 'search_path=""'],
  '[PERF-018] the role helper keeps its fixed search_path and is pinned to the generic plan'
);
-- The pinned helper answers as before, across the plan cache's switch point (a session's sixth
-- call): eight calls, each for the owner role.
select tests.authenticate_as(tests.fx('owner_a'));
select set_eq(
  $$select distinct o from generate_series(1, 8) g,
      unnest(private.user_org_ids(case when g > 0 then 'owner'::public.org_role end)) o$$,
  array[tests.fx('org_a'), tests.fx('org_c')],
  '[PERF-019] the role helper gives every call the same, right answer'
);
select tests.clear_authentication();

-- Reading Storage folders (private.storage_folders_objects, behind every permanent deletion) is
-- one index range scan per folder even when the bucket is large and the planner knows nothing of
-- the folders: the function's own query, from its live definition, planned generic as each call
-- plans it, over 100,000 objects. Before 20261208000200 this plan was a scan of the whole bucket
-- compared with every folder in turn.
insert into storage.objects (bucket_id, name)
select 'recordings',
  format('%s/%s/%s.webm', md5('perf-o' || g / 120)::uuid, md5('perf-s' || g / 12)::uuid, md5('perf-r' || g)::uuid)
from generate_series(1, 100000) g;
do $$
begin
  execute format('prepare folders_read(text, text[]) as %s',
    regexp_replace(
      replace(replace(
        (select prosrc from pg_catalog.pg_proc
         where oid = 'private.storage_folders_objects(text, text[])'::regprocedure),
        'p_bucket_id', '$1'), 'p_folders', '$2'),
      ';\s*$', ''));
end;
$$;
set local plan_cache_mode = force_generic_plan;
set local enable_seqscan = on;  -- the planner's own choice, not the guard's
create function pg_temp.folders_read_nodes()
returns table (node_type text, relation text, index_cond text)
language plpgsql
as $$
declare
  v_plan jsonb;
begin
  execute $q$explain (format json) execute folders_read('recordings', '{a,b}')$q$ into v_plan;
  return query
    select n ->> 'Node Type', n ->> 'Relation Name', n ->> 'Index Cond'
    from jsonb_path_query(v_plan, 'strict $.**') as n
    where jsonb_typeof(n) = 'object' and n ? 'Node Type';
end;
$$;
-- 'by folder' when storage.objects is never scanned whole and an index condition carries each
-- folder's bounds (an index, index-only or bitmap scan per folder); else the plan's nodes.
select is(
  (select case
     when not bool_or(node_type = 'Seq Scan' and relation = 'objects')
      and bool_or(index_cond like '%(f.folder || ''/''::text)%') then 'by folder'
     else string_agg(node_type || coalesce(' on ' || relation, ''), ', ')
   end
   from pg_temp.folders_read_nodes()),
  'by folder',
  '[PERF-021] reading Storage folders is an index range scan per folder, over 100,000 objects, on a generic plan'
);
set local plan_cache_mode = auto;
set local enable_seqscan = off;
deallocate folders_read;
select is(
  (select array_agg(c order by c) from pg_catalog.pg_proc f, unnest(f.proconfig) c
   where f.oid = 'private.storage_folders_objects(text, text[])'::regprocedure),
  array['jit=off', 'search_path=""'],
  '[PERF-022] the folder read keeps its fixed search_path and compiles nothing (its estimate is pessimistic)'
);

-- The checks can fail.
create table public.perf_probe (
  id int primary key,
  org_id uuid references public.organizations (id),
  survey_id uuid
);
alter table public.perf_probe enable row level security;
create policy perf_probe_select on public.perf_probe for select to authenticated
  using (survey_id <> all ((select private.user_org_ids())::uuid[]));
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
select g, tests.fx('org_a'), tests.fx('s_a')
from generate_series(1, 100) g;
analyze public.perf_probe;
select isnt(
  pg_temp.index_only_plan('member_a', $$select * from public.perf_probe where survey_id = {s_a}$$, array['perf_probe']),
  'ok',
  '[PERF-016] ... and its plan fails the guard (Seq Scan despite enable_seqscan = off)'
);
create function private.perf_probe_helper(p_min_role public.org_role)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(select m.org_id from public.memberships m
               where m.user_id = auth.uid() and m.role <= p_min_role);
end;
$$;
create policy perf_probe_update on public.perf_probe for update to authenticated
  using (org_id = any ((select private.perf_probe_helper('admin'))::uuid[]));
select is(
  array(select * from pg_temp.policy_helpers_not_pinned()),
  array['private.perf_probe_helper(org_role)'],
  '[PERF-020] a policy helper with a parameter and no plan_cache_mode setting is reported'
);

-- An organisation's trash listing (private.survey_trash) reads its trashed surveys from their
-- own index, whatever the number of live surveys beside them: 3,000
-- live surveys and 20 in the trash, statistics taken, planned on a generic plan as the function's
-- statement is after its fifth call.
insert into public.surveys (org_id, title, slug)
select tests.fx('org_a'), 'Bulk ' || g, 'bulk-' || g from generate_series(1, 3020) g;
update public.surveys set deleted_at = now() - make_interval(hours => (split_part(slug, '-', 2))::int)
where org_id = tests.fx('org_a') and slug like 'bulk-%' and (split_part(slug, '-', 2))::int > 3000;
analyze public.surveys;
set local plan_cache_mode = force_generic_plan;
set local enable_seqscan = on;  -- the planner's own choice
prepare trash_list(uuid) as
  select s.id, s.title, s.slug, s.deleted_at, s.deleted_by from public.surveys s
  where s.org_id = $1 and s.deleted_at is not null
  order by s.deleted_at desc;
select is(
  (with plan as (
     select n from jsonb_path_query(
       pg_temp.explain_json(format('execute trash_list(%L)', tests.fx('org_a'))), 'strict $.**') n
     where jsonb_typeof(n) = 'object' and n ? 'Node Type')
   select case
     when bool_or(n ->> 'Index Name' = 'surveys_org_trash_idx')
      and not bool_or(n ->> 'Node Type' = 'Seq Scan') then 'trash index'
     else string_agg((n ->> 'Node Type') || coalesce(' using ' || (n ->> 'Index Name'), ''), ', ')
   end from plan),
  'trash index',
  '[PERF-023] an organisation''s trash listing reads only its trashed surveys, from their index'
);

select * from finish();
rollback;
