-- LOCAL STAND-IN of supabase/pg_net, created by scripts/stack/platform/40_api_stand_ins.sql.
-- DIFFERENCE: the real extension has a background worker that sends queued requests after
-- COMMIT and writes responses to net._http_response. Here NOTHING is sent: requests stay in
-- net.http_request_queue, which tests read to assert what would have been sent.
\echo Use "CREATE EXTENSION pg_net" to load this file. \quit
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
