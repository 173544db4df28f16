-- Local stand-in of the Supabase platform, part 50: default privileges for
-- the `public` and `cron` schemas, and the grants on schema public.
--
-- Run as `supabase_admin`, last. Source: /work/shared/supabase-platform.md §2
-- ("ALTER DEFAULT PRIVILEGES" table; supabase/postgres init-scripts
-- 00000000000000-initial-schema.sql, 00000000000003-post-setup.sql,
-- grant_pg_cron_access).
--
-- Where the other rows of that table live (they must exist before the objects
-- of their schema are created, so they sit next to those objects):
--   extensions FOR supabase_admin            -> 10_schemas.sql
--   cron (the grant_pg_cron_access part)     -> 10_schemas.sql
--   auth FOR supabase_auth_admin             -> 20_auth.sql
--   storage FOR supabase_storage_admin/postgres -> 30_storage.sql
-- realtime, graphql and graphql_public are not part of this stand-in.
--
-- WHY THIS MATTERS: with these defaults every table, view, sequence and
-- function that postgres (i.e. every migration) creates in public is
-- immediately granted ALL to anon and authenticated. A new table is
-- therefore readable and writable through the API by anyone holding the anon
-- key unless RLS is enabled on it; a new function is executable by anon
-- unless EXECUTE is revoked. The project's tests must detect exactly that,
-- so this mirrors hosted Supabase without softening it.

-- Schema public: owned by pg_database_owner (10_schemas.sql); USAGE for the
-- API roles, CREATE stays with the owner (PG15 default).
grant usage on schema public to postgres, anon, authenticated, service_role;

-- public, objects created by postgres.
alter default privileges for role postgres in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;

-- public, objects created by supabase_admin.
alter default privileges for role supabase_admin in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;

-- cron, objects created by postgres (e.g. nothing today; pg_cron upgrades run
-- as supabase_admin, covered in 10_schemas.sql): ALL WITH GRANT OPTION to
-- postgres.
alter default privileges for role postgres in schema cron
  grant all on tables to postgres with grant option;
alter default privileges for role postgres in schema cron
  grant all on functions to postgres with grant option;
alter default privileges for role postgres in schema cron
  grant all on sequences to postgres with grant option;
