-- Local stand-in of the Supabase platform, part 10: database ownership,
-- platform schemas and extensions.
--
-- Run as `supabase_admin` against the target database, after 00_roles.sql.
-- Source: /work/shared/supabase-platform.md §2 (supabase/postgres
-- init-scripts, 20211115181400, 20250421084701, 20250709135250,
-- 20250623125453; owners from roles.out) and the `grant_pg_cron_access`
-- event-trigger function of supabase/postgres (schema dump).

-- The database belongs to postgres on hosted; `public` stays owned by
-- pg_database_owner (the PG15 default), so postgres owns public through
-- database ownership. Database-level grants as on hosted: dashboard_user
-- ALL, the two service admins CREATE (they create their schemas' objects).
do $$
begin
  execute format('alter database %I owner to postgres', current_database());
  execute format('grant all on database %I to dashboard_user', current_database());
  execute format('grant create on database %I to supabase_auth_admin, supabase_storage_admin', current_database());
end
$$;

alter schema public owner to pg_database_owner;
grant usage on schema public to postgres, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------
-- extensions: where Supabase installs extensions. Owned by postgres; usage for
-- the API roles so functions like extensions.uuid_generate_v4() resolve.
-- ---------------------------------------------------------------------------
create schema if not exists extensions;
alter schema extensions owner to postgres;
grant usage on schema extensions to postgres, anon, authenticated, service_role, dashboard_user;
grant create on schema extensions to postgres, dashboard_user;

-- Extensions are created by supabase_admin on hosted (supautils'
-- privileged_extensions runs CREATE EXTENSION as supabase_admin), so their
-- objects are owned by supabase_admin; these default privileges give postgres
-- ALL WITH GRANT OPTION on them. They must exist BEFORE the CREATE EXTENSIONs
-- below, so they live here rather than in 50_default_privileges.sql.
alter default privileges for role supabase_admin in schema extensions
  grant all on tables to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on routines to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on sequences to postgres with grant option;

create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
-- pgTAP and plpgsql_check are not trusted extensions, so postgres (not a
-- superuser) cannot create them; on hosted supautils creates them for it.
-- The project's pgTAP tests (`supabase test db`) and `supabase db lint`
-- (plpgsql_check) need them, so they are pre-installed here. A later
-- `create extension if not exists pgtap with schema extensions` by postgres
-- is then a harmless no-op, as on hosted.
create extension if not exists pgtap with schema extensions;
create extension if not exists plpgsql_check with schema extensions;

-- ---------------------------------------------------------------------------
-- auth: GoTrue's schema. Owned by supabase_admin; GoTrue (supabase_auth_admin)
-- creates its tables here. postgres lost CREATE in 2025-04 (20250421084701):
-- it has USAGE only.
-- ---------------------------------------------------------------------------
create schema if not exists auth authorization supabase_admin;
alter schema auth owner to supabase_admin;
grant usage on schema auth to anon, authenticated, service_role, postgres, dashboard_user;
grant all on schema auth to supabase_auth_admin;
grant create on schema auth to dashboard_user;
revoke create on schema auth from postgres;

-- ---------------------------------------------------------------------------
-- storage: storage-api's schema. Owned by supabase_admin; storage-api
-- (supabase_storage_admin) creates its tables here. postgres has USAGE WITH
-- GRANT OPTION (20250709135250) but no CREATE (20250421084701).
-- ---------------------------------------------------------------------------
create schema if not exists storage authorization supabase_admin;
alter schema storage owner to supabase_admin;
grant usage on schema storage to postgres with grant option;
grant usage on schema storage to anon, authenticated, service_role, dashboard_user;
grant all on schema storage to supabase_storage_admin with grant option;
grant create on schema storage to dashboard_user;
revoke create on schema storage from postgres;

-- ---------------------------------------------------------------------------
-- pg_cron. The stack script puts it in shared_preload_libraries with
-- cron.database_name = this database. Supabase creates it in pg_catalog
-- (supautils.extensions_parameter_overrides = {"pg_cron":{"schema":"pg_catalog"}});
-- the extension still makes its own `cron` schema.
-- ---------------------------------------------------------------------------
create extension if not exists pg_cron with schema pg_catalog;

-- What supabase/postgres' event-trigger function extensions.grant_pg_cron_access()
-- does right after CREATE EXTENSION pg_cron (event trigger issue_pg_cron_access).
grant usage on schema cron to postgres with grant option;
alter default privileges in schema cron grant all on tables to postgres with grant option;
alter default privileges in schema cron grant all on functions to postgres with grant option;
alter default privileges in schema cron grant all on sequences to postgres with grant option;
alter default privileges for role supabase_admin in schema cron grant all on sequences to postgres with grant option;
alter default privileges for role supabase_admin in schema cron grant all on tables to postgres with grant option;
alter default privileges for role supabase_admin in schema cron grant all on functions to postgres with grant option;
grant all privileges on all tables in schema cron to postgres with grant option;
revoke all on table cron.job from postgres;
grant select on table cron.job to postgres with grant option;
-- A hosted schema dump shows postgres holding ALL WITH GRANT OPTION on every
-- cron function (alter_job, schedule, schedule_in_database, unschedule, ...):
-- hosted installs pg_cron after the default privileges above exist, so the
-- functions pick them up. Here pg_cron was created first, so grant
-- explicitly (pg_cron itself revokes alter_job/schedule_in_database from
-- PUBLIC).
grant all on all functions in schema cron to postgres with grant option;
grant all on all sequences in schema cron to postgres with grant option;
