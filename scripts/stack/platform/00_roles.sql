-- Local stand-in of the Supabase platform, part 00: cluster-wide roles.
--
-- Run as the bootstrap superuser `supabase_admin` (the cluster is created with
-- `initdb -U supabase_admin`). Roles are cluster-wide and survive a database
-- drop/recreate, so this file is IDEMPOTENT: every role is created only when it
-- is missing, and then ALTERed to the exact attributes every time, so a re-run
-- repairs drift instead of failing.
--
-- Source: /work/shared/supabase-platform.md §1 (supabase/postgres init-scripts
-- and migrations up to 20260821154147; nix/tests/expected/roles.out).
--
-- Deliberately NOT created here (not needed by the project; see README.md):
-- pgbouncer, supabase_replication_admin, supabase_read_only_user,
-- supabase_realtime_admin, supabase_functions_admin, pgtle_admin,
-- supabase_superuser, pgsodium_* roles.

-- Membership helpers, so that re-runs are quiet (a plain GRANT of an existing
-- membership prints a NOTICE, a REVOKE of a missing one a WARNING). They live
-- in pg_temp and vanish with this session.
create function pg_temp.grant_membership(p_role name, p_member name)
  returns void
  language plpgsql
as $$
begin
  if not exists (
    select 1
    from pg_catalog.pg_auth_members m
    where m.roleid = p_role::regrole and m.member = p_member::regrole
  ) then
    execute format('grant %I to %I', p_role, p_member);
  end if;
end
$$;

create function pg_temp.revoke_membership(p_role name, p_member name)
  returns void
  language plpgsql
as $$
begin
  if exists (
    select 1
    from pg_catalog.pg_auth_members m
    where m.roleid = p_role::regrole and m.member = p_member::regrole
  ) then
    execute format('revoke %I from %I', p_role, p_member);
  end if;
end
$$;

-- Create every role that is missing, with NOLOGIN; the ALTERs below set the
-- real attributes. One DO block keeps the "create only if missing" logic in
-- one place.
do $$
declare
  r text;
begin
  foreach r in array array[
    'postgres',
    'anon',
    'authenticated',
    'service_role',
    'authenticator',
    'supabase_auth_admin',
    'supabase_storage_admin',
    'dashboard_user'
  ]
  loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = r) then
      execute format('create role %I nologin', r);
    end if;
  end loop;
end
$$;

-- supabase_admin: the platform superuser that owns the auth/storage schemas,
-- the extensions and the event triggers. It already exists (initdb -U); we
-- only set its role-level settings as on hosted.
alter role supabase_admin with superuser login inherit createrole createdb replication bypassrls;
alter role supabase_admin set search_path = "$user", public, auth, extensions;
alter role supabase_admin set log_statement = none;

-- anon: the role PostgREST / storage-api switch to for requests without a JWT.
-- Created NOINHERIT, switched to INHERIT in 2023-05
-- (20230529180330_alter_api_roles_for_inherit). 3s statement timeout.
alter role anon with nologin inherit nosuperuser nocreaterole nocreatedb noreplication nobypassrls;
alter role anon set statement_timeout = '3s';

-- authenticated: the role for requests that carry a user JWT. 8s timeout.
alter role authenticated with nologin inherit nosuperuser nocreaterole nocreatedb noreplication nobypassrls;
alter role authenticated set statement_timeout = '8s';

-- service_role: the role behind the service key; bypasses RLS, so server-side
-- code (edge functions, storage-api privileged calls) sees every row.
alter role service_role with nologin inherit nosuperuser nocreaterole nocreatedb noreplication bypassrls;

-- authenticator: the login role PostgREST connects as. NOINHERIT: it has no
-- privileges of its own and must SET ROLE to anon/authenticated/service_role
-- (SET ROLE needs membership only, not INHERIT). Its supabase_admin
-- membership was revoked in 2022-11 (20221103090837_revoke_admin).
-- Not mirrored: session_preload_libraries = 'supautils, safeupdate' (the
-- libraries are not installed here; see README.md).
alter role authenticator with login noinherit nosuperuser nocreaterole nocreatedb noreplication nobypassrls password 'postgres';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
do $$
begin
  perform pg_temp.grant_membership('anon', 'authenticator');
  perform pg_temp.grant_membership('authenticated', 'authenticator');
  perform pg_temp.grant_membership('service_role', 'authenticator');
end
$$;

-- postgres: the role customers (and `supabase db push`) use. NOT a superuser
-- on hosted/image since 10000000000000_demote-postgres; keeps BYPASSRLS,
-- CREATEROLE, CREATEDB, REPLICATION.
alter role postgres with login inherit nosuperuser createrole createdb replication bypassrls password 'postgres';
alter role postgres set search_path = "$user", public, extensions;
-- Memberships as on hosted. WITH ADMIN OPTION for the API roles only on
-- PG >= 16, so none here (PG 15). pg_read_all_data lets postgres read every
-- table (including auth.schema_migrations / storage.migrations whose grants
-- are revoked), exactly as on hosted.
do $$
begin
  perform pg_temp.grant_membership('anon', 'postgres');
  perform pg_temp.grant_membership('authenticated', 'postgres');
  perform pg_temp.grant_membership('service_role', 'postgres');
  perform pg_temp.grant_membership('pg_read_all_data', 'postgres');
  perform pg_temp.grant_membership('pg_monitor', 'postgres');
  perform pg_temp.grant_membership('pg_signal_backend', 'postgres');
end
$$;
-- Memberships in the service admin roles were revoked in 2025-04
-- (20250421084701_revoke_admin_roles_from_postgres). Revoke them here too, so
-- that a drifted cluster is repaired. (postgres gets CREATE/ALTER/DROP POLICY
-- on the auth/storage tables through the supautils stand-in in
-- 30_storage.sql, not through membership.)
do $$
begin
  perform pg_temp.revoke_membership('supabase_auth_admin', 'postgres');
  perform pg_temp.revoke_membership('supabase_storage_admin', 'postgres');
end
$$;

-- supabase_auth_admin: GoTrue's login role; owns the auth.* tables and
-- functions. NOINHERIT; NOCREATEROLE since 20260821154147.
alter role supabase_auth_admin with login noinherit nosuperuser nocreaterole nocreatedb noreplication nobypassrls password 'postgres';
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = 60000;
alter role supabase_auth_admin set log_statement = none;

-- supabase_storage_admin: storage-api's login role; owns the storage.* tables.
-- NOINHERIT, CREATEROLE. Member of authenticator (since 2023-10) so that it
-- can SET ROLE to the API roles through it; its direct grants of the API roles
-- were revoked then.
alter role supabase_storage_admin with login noinherit nosuperuser createrole nocreatedb noreplication nobypassrls password 'postgres';
alter role supabase_storage_admin set search_path = storage;
alter role supabase_storage_admin set log_statement = none;
do $$
begin
  perform pg_temp.grant_membership('authenticator', 'supabase_storage_admin');
  perform pg_temp.revoke_membership('anon', 'supabase_storage_admin');
  perform pg_temp.revoke_membership('authenticated', 'supabase_storage_admin');
  perform pg_temp.revoke_membership('service_role', 'supabase_storage_admin');
end
$$;

-- dashboard_user: the role Studio uses for some management queries. NOLOGIN,
-- CREATEROLE, CREATEDB, REPLICATION (roles.out). Database-level ALL is granted
-- in 10_schemas.sql (database grants are per database, not cluster-wide).
alter role dashboard_user with nologin inherit nosuperuser createrole createdb replication nobypassrls;
