-- 01 RLS catalog: catalog-driven, so a table, view or function added later cannot slip through.
-- Exposed schemas are those PostgREST serves (supabase/config.toml [api].schemas: public,
-- graphql_public) plus storage.objects (served by the Storage API).
begin;
select plan(21);

-- The catalog check (identical in 00_platform_standin and 01_rls_catalog; both assert its md5).
-- One row per hole: a table in an exposed schema (public, graphql_public; plus storage.objects)
-- without RLS, a command anon/authenticated may run with no policy for that role, a view
-- without security_invoker, a materialized view or foreign table readable by an API role, or
-- TRUNCATE (which ignores RLS) held by an API role on a table of an exposed schema.
create function pg_temp.rls_catalog_violations()
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

-- Known holes that are the platform's and closed by RLS anyway. Each entry must still occur
-- ([CAT-003]), so a stale entry is noticed.
--   storage.objects: Storage grants ALL to anon; no policy for anon means RLS returns and
--   accepts nothing (proven row by row in 03_storage_isolation).
create temp table catalog_allowlist (object text, api_role text, command text, problem text);
insert into catalog_allowlist values
  ('storage.objects', 'anon', 'SELECT', 'privilege_without_policy'),
  ('storage.objects', 'anon', 'INSERT', 'privilege_without_policy');

-- Schemas that hold this project's own objects: everything that is not the platform's.
create function pg_temp.project_schemas()
returns setof name
language sql
stable
as $$
  select n.nspname from pg_catalog.pg_namespace n
  where n.nspname !~ '^pg_' and n.nspname not in (
    'information_schema', 'auth', 'storage', 'extensions', 'cron', 'net', 'vault', 'graphql',
    'realtime', '_realtime', 'pgsodium', 'pgsodium_masks', 'supabase_functions',
    'supabase_migrations', 'pgbouncer', 'pgtle', 'tests')
$$;

-- Functions in exposed schemas that anon may execute, minus the allowlist (empty today).
create function pg_temp.anon_executable_exposed_functions(p_allow text[] default '{}')
returns setof text
language sql
stable
as $$
  select p.oid::regprocedure::text from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  left join pg_catalog.pg_depend d on d.objid = p.oid and d.deptype = 'e'
  where n.nspname in ('public', 'graphql_public') and d.objid is null
    and has_function_privilege('anon', p.oid, 'EXECUTE')
    and p.oid::regprocedure::text <> all (p_allow)
$$;

create function pg_temp.definer_functions_in_exposed_schemas()
returns setof text
language sql
stable
as $$
  select p.oid::regprocedure::text from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'graphql_public') and p.prosecdef
$$;

-- SECURITY DEFINER without search_path pinned to '' (empty: nothing a caller can shadow).
create function pg_temp.definer_functions_without_fixed_search_path()
returns setof text
language sql
stable
as $$
  select p.oid::regprocedure::text from pg_catalog.pg_proc p
  where p.pronamespace in (select oid from pg_catalog.pg_namespace
                           where nspname in (select pg_temp.project_schemas()))
    and p.prosecdef
    and not ('search_path=""' = any (coalesce(p.proconfig, '{}')))
$$;

select is(
  (select md5(p.prosrc) from pg_catalog.pg_proc p
   where p.proname = 'rls_catalog_violations' and p.pronamespace = pg_my_temp_schema()),
  '9ca9a39f0f0591d282231e46d8a46a54',
  '[CAT-001] the catalog check is the one 00_platform_standin proves on a table without RLS'
);

-- The real schema.
select is_empty(
  $$select * from pg_temp.rls_catalog_violations() except select * from catalog_allowlist$$,
  '[CAT-002] no exposed table without RLS, no API-role command without a policy, no view without security_invoker, no TRUNCATE for API roles'
);
select set_eq(
  $$select * from catalog_allowlist$$,
  $$select * from pg_temp.rls_catalog_violations()$$,
  '[CAT-003] the allowlist is exact: every entry still occurs (no stale exceptions)'
);
select is_empty(
  $$select c.oid::regclass::text from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and not (c.relrowsecurity and c.relforcerowsecurity)$$,
  '[CAT-004] every public table has RLS enabled and forced'
);
select ok(
  (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = 'storage.objects'::regclass),
  '[CAT-005] storage.objects has RLS enabled'
);
select is_empty(
  $$select c.oid::regclass::text from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and (has_table_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        or has_any_column_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))$$,
  '[CAT-006] anon holds no privilege at all on any public table or view'
);
select set_eq(
  $$select format('%s %s', c.relname, x.cmd) from pg_catalog.pg_class c
    cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) x(cmd)
    where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
      and has_table_privilege('authenticated', c.oid, x.cmd)$$,
  $$values ('profiles SELECT'), ('profiles INSERT'), ('profiles UPDATE'),
    ('organizations SELECT'), ('organizations UPDATE'),
    ('memberships SELECT'), ('memberships INSERT'), ('memberships UPDATE'), ('memberships DELETE'),
    ('surveys SELECT'), ('surveys INSERT'), ('surveys UPDATE'),
    ('questions SELECT'), ('questions INSERT'), ('questions UPDATE'),
    ('responses SELECT'), ('responses INSERT'), ('responses UPDATE'),
    ('recordings SELECT'), ('recordings INSERT'), ('recordings UPDATE'),
    ('transcripts SELECT'), ('transcripts INSERT'), ('transcripts UPDATE')$$,
  '[CAT-007] authenticated holds exactly the documented table commands (deletes go through RPCs)'
);
select is_empty(
  $$select * from pg_temp.anon_executable_exposed_functions()$$,
  '[CAT-008] no function in an exposed schema is executable by anon (allowlist: empty)'
);
select set_eq(
  $$select p.oid::regprocedure::text from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and has_function_privilege('authenticated', p.oid, 'EXECUTE')$$,
  array['audit_events(uuid,integer,timestamp with time zone)', 'create_organization(text)',
    'delete_survey(uuid,text)', 'restore_survey(uuid)', 'survey_trash(uuid)',
    'delete_organization(uuid)', 'request_account_deletion(uuid)', 'my_account_deletion()',
    'cancel_account_deletion()'],
  '[CAT-009] the RPC surface for authenticated is exactly the reviewed list (add new RPCs here on purpose)'
);
select is_empty(
  $$select * from pg_temp.definer_functions_in_exposed_schemas()$$,
  '[CAT-010] no SECURITY DEFINER function lives in an exposed schema'
);
select is_empty(
  $$select * from pg_temp.definer_functions_without_fixed_search_path()$$,
  '[CAT-011] every SECURITY DEFINER function of the project pins search_path to empty'
);
select is_empty(
  $$select p.oid::regprocedure::text from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and not p.prosecdef
      and not ('search_path=""' = any (coalesce(p.proconfig, '{}')))$$,
  '[CAT-012] every public (invoker) function pins search_path too'
);

-- The checks can fail: deliberately broken objects are reported (rolled back with the test).
create table public.cat_probe (id int primary key);
alter table public.cat_probe enable row level security;
revoke all on public.cat_probe from anon, authenticated;
grant select, update on public.cat_probe to authenticated;
create policy cat_probe_anon_only on public.cat_probe for select to anon using (true);
select set_eq(
  $$select api_role || ' ' || command from pg_temp.rls_catalog_violations() where object = 'public.cat_probe'$$,
  array['authenticated SELECT', 'authenticated UPDATE'],
  '[CAT-013] a command granted to authenticated with a policy only for anon is reported'
);
create policy cat_probe_all on public.cat_probe for all to public using (id > 0);
select is_empty(
  $$select * from pg_temp.rls_catalog_violations() where object = 'public.cat_probe'$$,
  '[CAT-014] a FOR ALL TO public policy covers every command for both roles'
);
alter table public.cat_probe disable row level security;
select results_eq(
  $$select problem from pg_temp.rls_catalog_violations() where object = 'public.cat_probe'$$,
  $$values ('rls_disabled'::text)$$,
  '[CAT-015] a policy on a table whose RLS is disabled does not hide it'
);
create view public.cat_probe_view as select id from public.cat_probe;
select results_eq(
  $$select problem from pg_temp.rls_catalog_violations() where object = 'public.cat_probe_view'$$,
  $$values ('view_without_security_invoker'::text)$$,
  '[CAT-016] a view without security_invoker is reported'
);
alter view public.cat_probe_view set (security_invoker = true);
select is_empty(
  $$select * from pg_temp.rls_catalog_violations() where object = 'public.cat_probe_view'$$,
  '[CAT-017] the same view with security_invoker = true is not'
);
create materialized view public.cat_probe_mv as select 1 as id;
select results_eq(
  $$select api_role from pg_temp.rls_catalog_violations() where object = 'public.cat_probe_mv' order by 1$$,
  $$values ('anon'::text), ('authenticated'::text)$$,
  '[CAT-018] a materialized view readable by the API roles is reported (RLS cannot apply)'
);
create function public.cat_probe_fn() returns int language sql security definer as 'select 1';
grant execute on function public.cat_probe_fn() to anon;
select results_eq(
  $$select * from pg_temp.anon_executable_exposed_functions()$$,
  $$values ('cat_probe_fn()'::text)$$,
  '[CAT-019] a public function executable by anon and not allowlisted is reported'
);
select results_eq(
  $$select * from pg_temp.definer_functions_in_exposed_schemas()$$,
  $$values ('cat_probe_fn()'::text)$$,
  '[CAT-020] a SECURITY DEFINER function in public is reported'
);
create function private.cat_probe_definer() returns int language sql security definer
  set search_path = public as 'select 1';
select set_eq(
  $$select * from pg_temp.definer_functions_without_fixed_search_path()$$,
  array['cat_probe_fn()', 'private.cat_probe_definer()'],
  '[CAT-021] SECURITY DEFINER functions with no or a non-empty search_path are reported'
);

select * from finish();
rollback;
