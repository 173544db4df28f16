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
-- (b) pg_net stand-in (supabase/pg_net)
-- DIFFERENCE: the real extension has a background worker that sends queued
-- requests after COMMIT and writes responses to net._http_response. Here
-- NOTHING is sent: requests stay in net.http_request_queue, which tests read
-- to assert what would have been sent. net._http_response exists but stays
-- empty.
-- ===========================================================================
create schema if not exists net authorization supabase_admin;

do $$
begin
  if to_regtype('net.http_method') is null then
    create domain net.http_method as text
      check (value ilike 'get' or value ilike 'post' or value ilike 'delete');
  end if;
end
$$;

-- Pending requests (pg_net's worker would consume them).
create table if not exists net.http_request_queue (
  id bigserial not null,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);

-- pg_net does these two in C (net._urlencode_string,
-- net._encode_url_with_params_array); the stand-in does them in SQL.
create or replace function net._urlencode_string(string varchar)
  returns text
  language sql
  immutable
  strict
as $$
  select coalesce(string_agg(
    case
      when b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126)
        then chr(b)
      else '%' || upper(lpad(to_hex(b), 2, '0'))
    end, '' order by i), '')
  from (
    select i, get_byte(convert_to(string, 'UTF8'), i) as b
    from generate_series(0, octet_length(convert_to(string, 'UTF8')) - 1) as i
  ) bytes
$$;

create or replace function net._encode_url_with_params_array(url text, params_array text[])
  returns text
  language sql
  immutable
  strict
as $$
  select case
    when cardinality(params_array) = 0 then url
    when position('?' in url) > 0 then url || '&' || array_to_string(params_array, '&')
    else url || '?' || array_to_string(params_array, '&')
  end
$$;

-- Signature as in current pg_net (timeout default 5000 ms since 0.10).
create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
)
  returns bigint
  language plpgsql
  volatile
  parallel safe
as $$
declare
  request_id bigint;
  params_array text[];
  content_type text;
begin
  -- Same validation as pg_net: JSON body only, content-type defaulted.
  select header_value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) r(header_name, header_value)
  where lower(header_name) = 'content-type'
  limit 1;

  if content_type is null then
    select headers || '{"Content-Type": "application/json"}'::jsonb into headers;
  end if;

  if content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  if body is null then
    raise exception 'body must not be null';
  end if;

  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  into params_array
  from jsonb_each_text(params);

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (
    'POST',
    net._encode_url_with_params_array(url, params_array),
    headers,
    convert_to(body::text, 'UTF8'),
    timeout_milliseconds
  )
  returning id into request_id;

  return request_id;
end
$$;

create or replace function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
)
  returns bigint
  language plpgsql
  volatile
  parallel safe
  strict
as $$
declare
  request_id bigint;
  params_array text[];
begin
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  into params_array
  from jsonb_each_text(params);

  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._encode_url_with_params_array(url, params_array), headers, timeout_milliseconds)
  returning id into request_id;

  return request_id;
end
$$;

-- What supabase/postgres' extensions.grant_pg_net_access() does after
-- CREATE EXTENSION pg_net: the request functions become SECURITY DEFINER
-- (owner supabase_admin, search_path net) so callers need no table grants,
-- and only the listed roles may execute them. (supabase_functions_admin,
-- also granted on hosted, does not exist in this stand-in.)
grant usage on schema net to postgres, anon, authenticated, service_role;
alter function net.http_get(text, jsonb, jsonb, integer) security definer;
alter function net.http_post(text, jsonb, jsonb, jsonb, integer) security definer;
alter function net.http_get(text, jsonb, jsonb, integer) set search_path = net;
alter function net.http_post(text, jsonb, jsonb, jsonb, integer) set search_path = net;
revoke all on function net.http_get(text, jsonb, jsonb, integer) from public;
revoke all on function net.http_post(text, jsonb, jsonb, jsonb, integer) from public;
grant execute on function net.http_get(text, jsonb, jsonb, integer) to postgres, anon, authenticated, service_role;
grant execute on function net.http_post(text, jsonb, jsonb, jsonb, integer) to postgres, anon, authenticated, service_role;

-- Stand-in only: what pg_net's background worker does when an answer arrives. Nothing sends
-- requests here, so tests call this to play the worker's part (e.g. an Edge Function that
-- answered 500). Owned by the superuser, like the worker; not part of pg_net's API.
create or replace function net._standin_record_response(
  p_request_id bigint, p_status_code integer, p_content text default null,
  p_timed_out boolean default false, p_error_msg text default null
)
  returns void
  language sql
  security definer
  set search_path = ''
as $$
  insert into net._http_response (id, status_code, content_type, content, timed_out, error_msg)
  values (p_request_id, p_status_code, 'application/json', p_content, p_timed_out, p_error_msg);
$$;
revoke all on function net._standin_record_response(bigint, integer, text, boolean, text) from public;
grant execute on function net._standin_record_response(bigint, integer, text, boolean, text)
  to postgres;
