-- Foundation: the private schema, closed default privileges, the clock and the caller check.
-- Every later migration builds on these. See README.md, "Capabilities".

create schema if not exists private;
comment on schema private is
  'Internal helpers and tables; never listed in the API''s exposed schemas.';
revoke all on schema private from public;
-- Policies call private helpers as the querying role, so API roles need USAGE (not table access).
grant usage on schema private to anon, authenticated, service_role;

-- Supabase's default privileges grant EXECUTE on every new function to anon and authenticated
-- (and PostgreSQL to PUBLIC). Functions created by this project start closed instead; each one
-- that a client may call is granted explicitly, next to its definition.
alter default privileges for role postgres revoke execute on functions from public;
alter default privileges for role postgres in schema public
  revoke execute on functions from anon, authenticated;
alter default privileges for role postgres in schema private
  revoke execute on functions from anon, authenticated, service_role;

-- The clock every retention rule reads. Tests move it with `set local cluso.now = '...'`.
-- The override is ignored for sessions opened by the API gateways (PostgREST logs in as
-- `authenticator`, Storage as `supabase_storage_admin`), so no client request can move time.
create function private.current_time()
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select case
    when session_user in ('authenticator', 'supabase_storage_admin') then now()
    else coalesce(nullif(current_setting('cluso.now', true), '')::timestamptz, now())
  end;
$$;
comment on function private.current_time() is
  'now(), unless a test or job session set cluso.now; retention rules read time only from here.';
grant execute on function private.current_time() to authenticated, service_role;

-- The caller check every client-facing function starts with: the signed-in user's id, or
-- 42501 "sign in to <action>" for anonymous callers.
create function private.require_user(p_action text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
begin
  if v_user is null then
    raise exception 'sign in to %', p_action using errcode = '42501';
  end if;
  return v_user;
end;
$$;
grant execute on function private.require_user(text) to authenticated;
