-- A production database ignores every clock override. cluso.now is a custom setting that any
-- role or session can set (`alter role postgres set cluso.now = ...`, `set local`), so on its own
-- it let a session make the purge destroy surveys trashed days ago. It is honoured only on a
-- cluster started as a test cluster: cluster_name = 'cluso-test-clock'. cluster_name can only
-- be set in the server's configuration or on its command line (context postmaster), which needs
-- the superuser a hosted project never hands out; no role, database or session setting can
-- change it. The local stack starts its throwaway cluster that way (scripts/stack/up.sh).

create function private.test_clock_enabled()
returns boolean
language sql
stable
set search_path = ''
as $$
  select current_setting('cluster_name') = 'cluso-test-clock';
$$;
revoke all on function private.test_clock_enabled() from public, anon, authenticated, service_role;
grant execute on function private.test_clock_enabled() to authenticated, service_role;

create or replace function private.current_time()
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select case
    when private.test_clock_enabled()
      and session_user not in ('authenticator', 'supabase_storage_admin')
    then coalesce(nullif(current_setting('cluso.now', true), '')::timestamptz, now())
    else now()
  end;
$$;
comment on function private.current_time() is
  'now(); only a test cluster (cluster_name cluso-test-clock) may move it with cluso.now.';
