-- ---------------------------------------------------------------------------------------------
-- The catalog check run by 01_rls_catalog, and proven able to fail by 00_platform_standin on a
-- table created without RLS. One shared definition, so the check 00 proves is by construction
-- the one 01 relies on.
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
