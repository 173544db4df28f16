-- Local stand-in of the Supabase platform, part 30: the `storage` schema
-- contents that storage-api (supabase/storage) creates on hosted, plus a
-- stand-in for supautils' policy_grants / drop_trigger_grants.
--
-- Run as `supabase_admin`, after 20_auth.sql. Source:
-- /work/shared/supabase-platform.md §5 (supabase/storage migrations/tenant at
-- 4fa61fb: 0002 ... 0055 delete guard, 0060/0061 immutable helpers, 0062
-- versioning core), supabase/postgres 20250421084701 and 20250623125453.
--
-- HOW `postgres` GETS TO CREATE POLICIES ON storage.objects (researched)
-- ---------------------------------------------------------------------
-- storage.objects is owned by supabase_storage_admin, and PostgreSQL only
-- lets the table owner (or a member of the owner role, or a superuser)
-- CREATE/ALTER/DROP POLICY. postgres is not a superuser, and its membership
-- in supabase_storage_admin was revoked in 2025-04
-- (20250421084701_revoke_admin_roles_from_postgres). It still works on hosted
-- because of the supautils extension (supabase/supautils), loaded for every
-- session (session_preload_libraries = 'supautils'). Its ProcessUtility hook
-- checks CREATE POLICY, ALTER POLICY, DROP POLICY (setting
-- supautils.policy_grants) and DROP TRIGGER (supautils.drop_trigger_grants):
-- when the current role is listed for the target table, the statement runs
-- elevated to the superuser. Otherwise PostgreSQL's normal ownership check
-- applies and fails with 42501 "must be owner of table <name>".
-- supabase/postgres ansible/files/postgresql_config/conf.d/supautils.conf
-- lists, for "postgres", these tables for both settings:
--   auth.audit_log_entries, auth.flow_state, auth.identities, auth.instances,
--   auth.mfa_amr_claims, auth.mfa_challenges, auth.mfa_factors,
--   auth.oauth_clients, auth.one_time_tokens, auth.refresh_tokens,
--   auth.saml_providers, auth.saml_relay_states, auth.sessions,
--   auth.sso_domains, auth.sso_providers, auth.users, realtime.messages,
--   realtime.subscription, storage.buckets, storage.buckets_analytics,
--   storage.objects, storage.prefixes, storage.s3_multipart_uploads,
--   storage.s3_multipart_uploads_parts
-- (storage.migrations, auth.schema_migrations are NOT listed: policies there
-- fail for postgres on hosted too). Nothing else is elevated: ALTER TABLE,
-- DISABLE TRIGGER, DROP TABLE etc. on these tables still fail for postgres.
--
-- supautils is a C extension that Debian does not package, so this file
-- emulates exactly that rule with event triggers (section "supautils
-- stand-in" at the end): at ddl_command_start of CREATE/ALTER/DROP POLICY
-- and DROP TRIGGER it grants postgres membership of the admin roles that own
-- the auth/storage tables for the duration of that one statement; at
-- sql_drop / ddl_command_end it revokes the membership again and rejects
-- (42501, "must be owner of table <name>") the statement when its table is
-- owned by an admin role but not on the list above. The membership grant is
-- transactional, so a failed statement rolls it back. Inserting a bucket
-- needs no trick: postgres has ALL on storage.buckets (0046, 20250623125453).

-- Default privileges for objects storage-api creates in storage: older images
-- set them FOR ROLE postgres, newer init scripts FOR ROLE
-- supabase_storage_admin. Both are set; only the latter matters here.
alter default privileges for role supabase_storage_admin in schema storage
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
  grant all on sequences to postgres, anon, authenticated, service_role;

-- Everything below is created AS supabase_storage_admin, the role storage-api
-- connects as, so it owns the tables and functions as on hosted. Its
-- search_path is `storage`, which is why update_updated_at_column() (created
-- unqualified by storage-api 0010) lands in storage.
set role supabase_storage_admin;
set search_path = storage;

-- ---------------------------------------------------------------------------
-- storage.migrations: storage-api's migration bookkeeping.
-- ---------------------------------------------------------------------------
create table if not exists storage.migrations (
  id integer not null,
  name varchar(100) not null,
  hash varchar(40) not null,
  executed_at timestamp default current_timestamp,
  constraint migrations_pkey primary key (id),
  constraint migrations_name_key unique (name)
);

-- ---------------------------------------------------------------------------
-- storage.buckets
-- ---------------------------------------------------------------------------
do $$
begin
  if to_regtype('storage.buckettype') is null then
    create type storage.buckettype as enum ('STANDARD', 'ANALYTICS', 'VECTOR');
  end if;
end
$$;

create table if not exists storage.buckets (
  id text not null,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint default null,
  allowed_mime_types text[] default null,
  owner_id text default null,
  type storage.buckettype not null default 'STANDARD',
  versioning_status text not null default 'DISABLED',
  constraint buckets_pkey primary key (id),
  constraint buckets_versioning_status_check
    check (versioning_status in ('DISABLED', 'ENABLED', 'SUSPENDED')),
  constraint buckets_versioning_standard_only_check
    check (type = 'STANDARD' or versioning_status = 'DISABLED'),
  -- "dark" launch: versioning cannot be switched on until a later
  -- storage-api migration drops this check.
  constraint buckets_versioning_dark_check
    check (versioning_status = 'DISABLED')
);

comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';

create unique index if not exists bname on storage.buckets using btree (name);

-- ---------------------------------------------------------------------------
-- storage.objects
-- ---------------------------------------------------------------------------
create table if not exists storage.objects (
  id uuid not null default gen_random_uuid(),
  bucket_id text,
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text default null,
  owner_id text default null,
  user_metadata jsonb,
  archived_at timestamptz,
  is_delete_marker boolean not null default false,
  is_versioned boolean not null default false,
  constraint objects_pkey primary key (id),
  -- NO ACTION, not cascade: a bucket with objects cannot be deleted.
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);

comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';

create unique index if not exists bucketid_objname on storage.objects using btree (bucket_id, name);
create index if not exists name_prefix_search on storage.objects using btree (name text_pattern_ops);
create index if not exists idx_objects_bucket_id_name on storage.objects (bucket_id, name collate "C");
create index if not exists idx_objects_bucket_id_name_lower on storage.objects (bucket_id, (lower(name) collate "C"));

-- ---------------------------------------------------------------------------
-- Path helpers (0060/0061: plpgsql IMMUTABLE). Behaviour, verified against
-- storage-api's versions: foldername('a/b/c.mp3') = {a,b}; filename = c.mp3;
-- extension = text after the LAST dot of the last segment, or the whole last
-- segment without a dot ('dir/README' -> README); '' and NULL -> NULL.
-- ---------------------------------------------------------------------------
create or replace function storage.foldername(name text)
  returns text[]
  language plpgsql
  immutable
as $$
declare
  _parts text[];
begin
  _parts := string_to_array(name, '/');
  return _parts[1 : array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text)
  returns text
  language plpgsql
  immutable
as $$
declare
  _parts text[];
begin
  _parts := string_to_array(name, '/');
  return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text)
  returns text
  language plpgsql
  immutable
as $$
declare
  _parts text[];
  _filename text;
begin
  _parts := string_to_array(name, '/');
  _filename := _parts[array_length(_parts, 1)];
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

-- The operation storage-api is performing (e.g. storage.object.upload), for
-- policies that want to distinguish operations.
create or replace function storage.operation()
  returns text
  language plpgsql
  stable
as $$
begin
  return current_setting('storage.operation', true);
end
$$;

-- ---------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------
create or replace function update_updated_at_column()
  returns trigger
  language plpgsql
as $$
begin
  new.updated_at = now();
  return new;
end
$$;

create or replace function storage.enforce_bucket_name_length()
  returns trigger
  language plpgsql
as $$
begin
  if length(new.name) > 100 then
    raise exception 'bucket name "%" is too long (% characters). Max is 100.', new.name, length(new.name);
  end if;
  return new;
end
$$;

-- Delete guard (0055): direct DELETEs on the storage tables would orphan the
-- files in the object store, so only storage-api (which sets
-- storage.allow_delete_query = 'true' in its transaction) may delete.
-- Statement-level, so it fires even when no row matches; TRUNCATE is not
-- covered (as on hosted).
create or replace function storage.protect_delete()
  returns trigger
  language plpgsql
as $$
begin
  if coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' then
    raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      using
        hint = 'This prevents accidental data loss from orphaned objects.',
        errcode = '42501';
  end if;
  return null;
end
$$;

create or replace trigger enforce_bucket_name_length_trigger
  before insert or update of name on storage.buckets
  for each row
  execute function storage.enforce_bucket_name_length();

create or replace trigger protect_buckets_delete
  before delete on storage.buckets
  for each statement
  execute function storage.protect_delete();

create or replace trigger update_objects_updated_at
  before update on storage.objects
  for each row
  execute function storage.update_updated_at_column();

create or replace trigger protect_objects_delete
  before delete on storage.objects
  for each statement
  execute function storage.protect_delete();

-- RLS enabled (not forced), no policies: the project's migrations add them.
alter table storage.migrations enable row level security;
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

reset search_path;
reset role;

-- ---------------------------------------------------------------------------
-- Grants (as supabase_admin). buckets/objects: ALL to the API roles (0046);
-- ALL WITH GRANT OPTION to postgres (0049, 20250623125453).
-- storage.migrations: everything revoked (20250421084701).
-- ---------------------------------------------------------------------------
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;
grant all on storage.buckets, storage.objects to postgres with grant option;
revoke all on storage.migrations from anon, authenticated, service_role, postgres;

-- ===========================================================================
-- supautils stand-in: policy_grants and drop_trigger_grants for postgres.
-- (See the header of this file for why.) Event triggers and their functions
-- are owned by supabase_admin; the functions live in `extensions` next to
-- Supabase's own event-trigger functions (grant_pg_cron_access, ...). EXECUTE
-- is revoked from PUBLIC and from postgres (which the extensions default
-- privileges would otherwise give ALL), so only supabase_admin runs them.
-- ===========================================================================

-- The (role, table) pairs supautils elevates, from conf.d/supautils.conf.
-- Tables that do not exist locally are harmless (to_regclass() is NULL).
create or replace function extensions.supautils_stand_in_granted_tables()
  returns text[]
  language sql
  immutable
as $$
  select array[
    'auth.audit_log_entries', 'auth.flow_state', 'auth.identities', 'auth.instances',
    'auth.mfa_amr_claims', 'auth.mfa_challenges', 'auth.mfa_factors',
    'auth.oauth_clients', 'auth.one_time_tokens', 'auth.refresh_tokens',
    'auth.saml_providers', 'auth.saml_relay_states', 'auth.sessions',
    'auth.sso_domains', 'auth.sso_providers', 'auth.users', 'realtime.messages',
    'realtime.subscription', 'storage.buckets', 'storage.buckets_analytics',
    'storage.objects', 'storage.prefixes', 'storage.s3_multipart_uploads',
    'storage.s3_multipart_uploads_parts'
  ]
$$;

-- The role whose privileges the statement runs with, seen from inside a
-- SECURITY DEFINER function: SET ROLE's target, else the session user.
-- (Good enough here: migrations and tests connect as postgres directly.)
create or replace function extensions.supautils_stand_in_invoker()
  returns name
  language sql
  stable
as $$
  select coalesce(nullif(current_setting('role'), 'none'), session_user)::name
$$;

-- Undo the temporary memberships granted at ddl_command_start.
create or replace function extensions.supautils_stand_in_revoke()
  returns void
  language plpgsql
  set search_path = ''
as $$
declare
  r text;
begin
  foreach r in array coalesce(string_to_array(nullif(current_setting('supautils_stand_in.granted', true), ''), ','), '{}')
  loop
    execute format('revoke %I from postgres', r);
  end loop;
  perform set_config('supautils_stand_in.granted', '', true);
end
$$;

-- Reject the statement if it touched a table that only the temporary
-- membership made accessible, i.e. an admin-owned table that is not on the
-- supautils list, for an invoker that is not the owner itself.
create or replace function extensions.supautils_stand_in_check(p_table regclass)
  returns void
  language plpgsql
  set search_path = ''
as $$
declare
  v_owner name;
  v_invoker name := extensions.supautils_stand_in_invoker();
begin
  if p_table is null then
    return;
  end if;
  select pg_catalog.pg_get_userbyid(c.relowner) into v_owner
  from pg_catalog.pg_class c
  where c.oid = p_table;
  if v_owner not in ('supabase_auth_admin', 'supabase_storage_admin') then
    return;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = v_invoker and rolsuper)
    or pg_catalog.pg_has_role(v_invoker, v_owner, 'USAGE') then
    return;
  end if;
  if v_invoker = 'postgres' and exists (
    select 1
    from unnest(extensions.supautils_stand_in_granted_tables()) t(name)
    where to_regclass(t.name) = p_table
  ) then
    return;
  end if;
  raise exception 'must be owner of table %', (select c.relname from pg_catalog.pg_class c where c.oid = p_table)
    using errcode = '42501';
end
$$;

create or replace function extensions.supautils_stand_in_on_start()
  returns event_trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  r text;
  v_granted text[] := '{}';
begin
  -- supautils elevates only non-superusers that are listed; only postgres is.
  if extensions.supautils_stand_in_invoker() <> 'postgres' then
    return;
  end if;
  foreach r in array array['supabase_auth_admin', 'supabase_storage_admin']
  loop
    if not pg_catalog.pg_has_role('postgres', r, 'MEMBER') then
      execute format('grant %I to postgres', r);
      v_granted := v_granted || r;
    end if;
  end loop;
  perform set_config(
    'supautils_stand_in.granted',
    concat_ws(',', nullif(current_setting('supautils_stand_in.granted', true), ''), nullif(array_to_string(v_granted, ','), '')),
    true
  );
end
$$;

-- DROP POLICY / DROP TRIGGER: the dropped object's address is
-- {schema, table, name}.
create or replace function extensions.supautils_stand_in_on_drop()
  returns event_trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  d record;
begin
  perform extensions.supautils_stand_in_revoke();
  for d in
    select *
    from pg_catalog.pg_event_trigger_dropped_objects()
    where original and object_type in ('policy', 'trigger')
  loop
    perform extensions.supautils_stand_in_check(
      to_regclass(format('%I.%I', d.address_names[1], d.address_names[2]))
    );
  end loop;
end
$$;

-- CREATE POLICY / ALTER POLICY: the command's object is the policy.
create or replace function extensions.supautils_stand_in_on_end()
  returns event_trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  c record;
begin
  perform extensions.supautils_stand_in_revoke();
  if tg_tag in ('CREATE POLICY', 'ALTER POLICY') then
    for c in
      select p.polrelid
      from pg_catalog.pg_event_trigger_ddl_commands() e
      join pg_catalog.pg_policy p on p.oid = e.objid
      where e.classid = 'pg_catalog.pg_policy'::regclass
    loop
      perform extensions.supautils_stand_in_check(c.polrelid::regclass);
    end loop;
  end if;
end
$$;

revoke all on function extensions.supautils_stand_in_granted_tables() from public, postgres;
revoke all on function extensions.supautils_stand_in_invoker() from public, postgres;
revoke all on function extensions.supautils_stand_in_revoke() from public, postgres;
revoke all on function extensions.supautils_stand_in_check(regclass) from public, postgres;
revoke all on function extensions.supautils_stand_in_on_start() from public, postgres;
revoke all on function extensions.supautils_stand_in_on_drop() from public, postgres;
revoke all on function extensions.supautils_stand_in_on_end() from public, postgres;

-- Event triggers cannot be CREATE OR REPLACEd; create each one only if it is
-- missing (they reference the functions above by oid, and CREATE OR REPLACE
-- FUNCTION keeps the oid).
do $$
begin
  if not exists (select 1 from pg_catalog.pg_event_trigger where evtname = 'supautils_stand_in_start') then
    create event trigger supautils_stand_in_start
      on ddl_command_start
      when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY', 'DROP TRIGGER')
      execute function extensions.supautils_stand_in_on_start();
  end if;
  if not exists (select 1 from pg_catalog.pg_event_trigger where evtname = 'supautils_stand_in_drop') then
    create event trigger supautils_stand_in_drop
      on sql_drop
      when tag in ('DROP POLICY', 'DROP TRIGGER')
      execute function extensions.supautils_stand_in_on_drop();
  end if;
  if not exists (select 1 from pg_catalog.pg_event_trigger where evtname = 'supautils_stand_in_end') then
    create event trigger supautils_stand_in_end
      on ddl_command_end
      when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY', 'DROP TRIGGER')
      execute function extensions.supautils_stand_in_on_end();
  end if;
end
$$;
