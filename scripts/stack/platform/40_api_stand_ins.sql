-- Local stand-in of the Supabase platform, part 40: STAND-INS for two
-- extensions Debian does not package, supabase_vault and pg_net.
--
-- Run as `supabase_admin`, after 30_storage.sql. These are NOT the real
-- extensions: they are plain schemas/tables/functions with the same names,
-- signatures and grants, so the project's SQL that calls
-- vault.create_secret(), reads vault.decrypted_secrets or calls
-- net.http_post() compiles, runs and can be tested locally. They are not
-- registered in pg_extension, so `create extension if not exists
-- supabase_vault` / `pg_net` would NOT be a no-op here (README.md).
-- Objects are owned by supabase_admin, as the real extensions are on hosted.

-- ===========================================================================
-- (a) vault stand-in (supabase/vault, supabase_vault >= 0.3.0)
-- DIFFERENCE: the real extension encrypts `secret` with libsodium
-- (aead-det, key held outside the database) and decrypts it in the view.
-- This stand-in stores the secret in PLAINTEXT and the view copies it to
-- decrypted_secret. Never put a real secret into a local stack.
-- ===========================================================================
create schema if not exists vault authorization supabase_admin;

create table if not exists vault.secrets (
  id uuid not null default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default extensions.gen_random_bytes(16),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp,
  constraint secrets_pkey primary key (id)
);

comment on table vault.secrets is 'Table with encrypted `secret` column for storing sensitive information on disk. (LOCAL STAND-IN: stored in plaintext.)';

-- Secret names are unique when given (as in supabase_vault).
create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;

create or replace view vault.decrypted_secrets as
  select
    s.id,
    s.name,
    s.description,
    s.secret,
    s.secret as decrypted_secret,
    s.key_id,
    s.nonce,
    s.created_at,
    s.updated_at
  from vault.secrets s;

create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
)
  returns uuid
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  rec record;
begin
  insert into vault.secrets (secret, name, description, key_id)
  values (new_secret, new_name, new_description, new_key_id)
  returning * into rec;
  return rec.id;
end
$$;

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
)
  returns void
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  update vault.secrets s
  set
    secret = coalesce(new_secret, s.secret),
    name = coalesce(new_name, s.name),
    description = coalesce(new_description, s.description),
    key_id = coalesce(new_key_id, s.key_id),
    updated_at = now()
  where s.id = secret_id;
end
$$;

-- Grants as supabase/postgres applies them for supabase_vault != 0.2.8.
-- (_crypto_aead_det_decrypt does not exist in the stand-in.)
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;
grant usage on schema vault to postgres with grant option;
grant select, delete, truncate, references on vault.secrets, vault.decrypted_secrets to postgres with grant option;
grant execute on function vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid)
  to postgres with grant option;
grant usage on schema vault to service_role;
grant select, delete on vault.secrets, vault.decrypted_secrets to service_role;
grant execute on function vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid)
  to service_role;

-- ===========================================================================
-- (b) pg_net stand-in (supabase/pg_net), packaged as an extension named pg_net
-- (scripts/stack/platform/extensions/, installed by up.sh) so that the product's
-- `create extension if not exists pg_net` is a no-op here as on a platform that has it.
-- DIFFERENCE: nothing is ever sent (no background worker); see the extension's script.
-- ===========================================================================
create extension if not exists pg_net with schema extensions;
