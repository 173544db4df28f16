-- 05 Advisors: Supabase's database-advisor lints (supabase/splinter), reproduced as queries over
-- this project's schemas, must report nothing. Each lint is then shown to fire on a deliberately
-- broken object, so none of the assertions can pass vacuously.
-- Schemas the lints skip: splinter's platform list, plus `tests` (supabase/tests/helpers/,
-- installed on the local stack only, never by a migration).
begin;
select plan(22);

create function pg_temp.skipped_schemas() returns text[] language sql immutable as $$
  select array['_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config',
    '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public',
    'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle',
    'pgbouncer', 'pg_catalog', 'pg_toast', 'realtime', 'repack', 'storage', 'supabase_functions',
    'supabase_migrations', 'tiger', 'topology', 'vault', 'tests']
$$;

-- 0001 unindexed_foreign_keys: no valid index whose leading columns are the key's, in order.
create function pg_temp.lint_0001() returns setof text language sql stable as $$
  select format('%I.%I.%I', n.nspname, cl.relname, ct.conname)
  from pg_catalog.pg_constraint ct
  join pg_catalog.pg_class cl on cl.oid = ct.conrelid
  join pg_catalog.pg_namespace n on n.oid = cl.relnamespace
  left join pg_catalog.pg_depend d on d.objid = cl.oid and d.deptype = 'e'
  where ct.contype = 'f' and d.objid is null
    and n.nspname <> all (pg_temp.skipped_schemas() || array['storage', 'vault', 'auth'])
    and not exists (
      select 1 from pg_catalog.pg_index i
      where i.indrelid = ct.conrelid and i.indisvalid
        and ct.conkey = (string_to_array(i.indkey::text, ' ')::smallint[])[1:array_length(ct.conkey, 1)])
$$;

-- 0003 auth_rls_initplan, made stricter: every call of auth.uid/jwt/role/email(),
-- current_setting() or a private helper in a policy must be wrapped in (select ...), counted
-- call by call (splinter only looks for one wrapped call). Storage policies are included.
create function pg_temp.lint_0003() returns setof text language sql stable
set search_path = pg_catalog
as $$
  select format('%I.%I.%I', p.schemaname, p.tablename, p.policyname)
  from pg_catalog.pg_policies p
  cross join lateral (values (coalesce(p.qual, '')), (coalesce(p.with_check, ''))) e(expr)
  where p.schemaname <> all (pg_temp.skipped_schemas()) or (p.schemaname = 'storage')
  group by 1
  having sum(
    regexp_count(e.expr, '(auth\.(uid|jwt|role|email)|current_setting|private\.\w+)\(')
    - regexp_count(e.expr, 'SELECT\s+(auth\.(uid|jwt|role|email)|current_setting|private\.\w+)\(')
  ) > 0
$$;

-- 0007 policy_exists_rls_disabled.
create function pg_temp.lint_0007() returns setof text language sql stable as $$
  select distinct format('%I.%I', n.nspname, c.relname)
  from pg_catalog.pg_policy p
  join pg_catalog.pg_class c on c.oid = p.polrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r' and not c.relrowsecurity and n.nspname <> all (pg_temp.skipped_schemas())
$$;

-- 0008 rls_enabled_no_policy.
create function pg_temp.lint_0008() returns setof text language sql stable as $$
  select format('%I.%I', n.nspname, c.relname)
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r' and c.relrowsecurity and n.nspname <> all (pg_temp.skipped_schemas())
    and not exists (select 1 from pg_catalog.pg_policy p where p.polrelid = c.oid)
$$;

-- 0010 security_definer_view: a view an API role can read that runs as its owner.
create function pg_temp.lint_0010() returns setof text language sql stable as $$
  select format('%I.%I', n.nspname, c.relname)
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_depend d on d.objid = c.oid and d.deptype = 'e'
  where c.relkind = 'v' and d.objid is null and n.nspname <> all (pg_temp.skipped_schemas())
    and (has_table_privilege('anon', c.oid, 'SELECT') or has_table_privilege('authenticated', c.oid, 'SELECT'))
    and not (lower(coalesce(c.reloptions, '{}')::text)::text[] && array['security_invoker=1',
      'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])
$$;

-- 0011 function_search_path_mutable.
create function pg_temp.lint_0011() returns setof text language sql stable as $$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  left join pg_catalog.pg_depend d on d.objid = p.oid and d.deptype = 'e'
  where n.nspname <> all (pg_temp.skipped_schemas()) and n.nspname !~ '^pg_temp' and d.objid is null
    and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) cfg where cfg like 'search_path=%')
$$;

-- 0013 rls_disabled_in_public (in every schema the API exposes).
create function pg_temp.lint_0013() returns setof text language sql stable as $$
  select format('%I.%I', n.nspname, c.relname)
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and not c.relrowsecurity and n.nspname in ('public', 'graphql_public')
$$;

-- 0028 / 0029 SECURITY DEFINER function executable by anon / authenticated.
create function pg_temp.lint_definer_executable(p_role text, p_schemas text[] default null)
returns setof text language sql stable as $$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where p.prosecdef and has_function_privilege(p_role, p.oid, 'EXECUTE')
    and n.nspname <> all (pg_temp.skipped_schemas()) and n.nspname !~ '^pg_temp'
    and (p_schemas is null or n.nspname = any (p_schemas))
$$;

-- The real schema.
select is_empty($$select * from pg_temp.lint_0001()$$, '[ADV-001] 0001 unindexed_foreign_keys: none');
select is_empty($$select * from pg_temp.lint_0003()$$, '[ADV-002] 0003 auth_rls_initplan: every auth.*(), current_setting() and helper call in a policy is wrapped in (select ...)');
select is_empty($$select * from pg_temp.lint_0007()$$, '[ADV-003] 0007 policy_exists_rls_disabled: none');
-- Splinter reports RLS-without-policy tables everywhere (INFO). In the schemas the API exposes
-- that is a mistake; in private/audit it is the deny-all design (audit.chain_heads,
-- private job tables), which is only sound if the API roles hold no privilege on them either.
select is_empty($$select * from pg_temp.lint_0008() where split_part(lint_0008, '.', 1) in ('public', 'graphql_public')$$,
  '[ADV-004] 0008 rls_enabled_no_policy: none in the exposed schemas');
select is_empty(
  $$select t from pg_temp.lint_0008() t
    where has_table_privilege('anon', t::regclass, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
       or has_table_privilege('authenticated', t::regclass, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
       or has_any_column_privilege('anon', t::regclass, 'SELECT, INSERT, UPDATE')
       or has_any_column_privilege('authenticated', t::regclass, 'SELECT, INSERT, UPDATE')$$,
  '[ADV-005] 0008 elsewhere: every deny-all table is also closed by grants to anon and authenticated');
select is_empty($$select * from pg_temp.lint_0010()$$, '[ADV-006] 0010 security_definer_view: none');
select is_empty($$select * from pg_temp.lint_0011()$$, '[ADV-007] 0011 function_search_path_mutable: none');
select is_empty($$select * from pg_temp.lint_0013()$$, '[ADV-008] 0013 rls_disabled_in_public: none');
select is_empty($$select * from pg_temp.lint_definer_executable('anon')$$,
  '[ADV-009] 0028 anon_security_definer_function_executable: none, in any project schema');
select is_empty($$select * from pg_temp.lint_definer_executable('authenticated', array['public', 'graphql_public'])$$,
  '[ADV-010] 0029 authenticated_security_definer_function_executable: none in the schemas the API exposes');
-- Splinter's 0029 also lists functions in unexposed schemas. Here those are the RLS helpers
-- (policies run them as the caller, so authenticated needs EXECUTE) and the RPC twins behind the
-- SECURITY INVOKER public wrappers: an exact, reviewed list.
select set_eq($$select * from pg_temp.lint_definer_executable('authenticated')$$,
  $$select coalesce(to_regprocedure(f)::text, f || ' (missing)') from unnest(array[
    'private.user_org_ids(public.org_role)', 'private.user_co_member_ids()',
    'private.create_organization(text)',
    'private.delete_survey(uuid,text)', 'private.restore_survey(uuid)', 'private.survey_trash(uuid)',
    'private.accept_invitation(uuid)', 'private.delete_organization(uuid)',
    'private.request_account_erasure(uuid)', 'private.my_account_erasure()',
    'private.cancel_account_erasure()', 'private.recording_access(uuid)',
    'private.survey_playlist(uuid)', 'private.recording_upload_slot(uuid,text,uuid)',
    'private.request_data_export(uuid,text)', 'private.data_export_download()',
    'private.respondent_lookup(uuid,text)', 'private.respondent_export(uuid,text,text)',
    'private.respondent_erase(uuid,text,text)']) f$$,
  '[ADV-011] SECURITY DEFINER functions executable by authenticated outside the API: exactly the reviewed helpers and RPC twins');
select ok(
  not has_schema_privilege('anon', 'private', 'CREATE')
  and not has_schema_privilege('authenticated', 'private', 'CREATE'),
  '[ADV-012] API roles cannot create objects in private (so they cannot shadow a helper)');

-- Each lint fires on a broken object.
create table public.adv_probe (id int primary key, org_id uuid references public.organizations (id), owner uuid);
alter table public.adv_probe enable row level security;
create policy adv_probe_bare on public.adv_probe for select to authenticated using (owner = auth.uid());
create policy adv_probe_mixed on public.adv_probe for update to authenticated
  using (owner = (select auth.uid())) with check (owner = auth.uid() and org_id = any ((select private.user_org_ids('admin'))::uuid[]));
create table public.adv_probe_nopolicy (id int primary key);
alter table public.adv_probe_nopolicy enable row level security;
create table public.adv_probe_norls (id int primary key);
create policy adv_probe_norls_p on public.adv_probe_norls for select using (true);
create view public.adv_probe_view as select id from public.adv_probe;
grant select on public.adv_probe_view to authenticated;
create function private.adv_probe_fn() returns int language sql security definer as 'select 1';
grant execute on function private.adv_probe_fn() to anon;
create function public.adv_probe_rpc() returns int language sql security definer set search_path = '' as 'select 1';
grant execute on function public.adv_probe_rpc() to authenticated;

select set_eq($$select * from pg_temp.lint_0001()$$, array['public.adv_probe.adv_probe_org_id_fkey'],
  '[ADV-013] 0001 reports an unindexed foreign key');
select set_eq($$select * from pg_temp.lint_0003()$$, array['public.adv_probe.adv_probe_bare', 'public.adv_probe.adv_probe_mixed'],
  '[ADV-014] 0003 reports a bare auth.uid(), also next to a wrapped one');
select set_eq($$select * from pg_temp.lint_0007()$$, array['public.adv_probe_norls'],
  '[ADV-015] 0007 reports a policy on a table without RLS');
select set_eq($$select * from pg_temp.lint_0008() where lint_0008 like 'public.%'$$, array['public.adv_probe_nopolicy'],
  '[ADV-016] 0008 reports a new table with RLS and no policy');
select set_eq($$select * from pg_temp.lint_0010()$$, array['public.adv_probe_view'],
  '[ADV-017] 0010 reports a readable view without security_invoker');
select set_eq($$select * from pg_temp.lint_0011()$$, array['private.adv_probe_fn()'],
  '[ADV-018] 0011 reports a function without search_path');
select set_eq($$select * from pg_temp.lint_0013()$$, array['public.adv_probe_norls'],
  '[ADV-019] 0013 reports a public table without RLS');
select set_eq($$select * from pg_temp.lint_definer_executable('anon')$$, array['private.adv_probe_fn()'],
  '[ADV-020] 0028 reports a SECURITY DEFINER function anon may run, even outside public');
select set_eq($$select * from pg_temp.lint_definer_executable('authenticated', array['public', 'graphql_public'])$$,
  array['adv_probe_rpc()'],
  '[ADV-021] 0029 reports a SECURITY DEFINER function in public that authenticated may run');
alter view public.adv_probe_view set (security_invoker = true);
select is_empty($$select * from pg_temp.lint_0010()$$, '[ADV-022] 0010 is satisfied by security_invoker = true');

select * from finish();
rollback;
