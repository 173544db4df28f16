-- Test helpers for the pgTAP suites (schema `tests`). Installed by scripts/test.sh after the
-- migrations, on the local stack only: never part of supabase/migrations/.
-- They set the role and claims exactly as PostgREST does for a request (set_config(..., true)
-- of `role` and `request.jwt.claims`), so policies and auth.uid() see what production sees.

drop schema if exists tests cascade;
create schema tests;
grant usage on schema tests to anon, authenticated, service_role;

-- A confirmed auth user with an email (and optionally a phone), as GoTrue would store it.
create function tests.create_user(p_id uuid, p_email text, p_phone text default null)
returns uuid
language sql
as $$
  insert into auth.users (instance_id, id, aud, role, email, phone, email_confirmed_at,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values ('00000000-0000-0000-0000-000000000000', p_id, 'authenticated', 'authenticated',
    p_email, p_phone, now(), '{"provider":"email","providers":["email"]}', '{}', now(), now())
  returning id;
$$;

-- Become a signed-in user for the rest of the transaction (as PostgREST would).
create function tests.authenticate_as(p_user_id uuid)
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', json_build_object(
    'sub', p_user_id, 'role', 'authenticated', 'aud', 'authenticated',
    'email', (select u.email from auth.users u where u.id = p_user_id))::text, true);
  perform set_config('role', 'authenticated', true);
end;
$$;

create function tests.authenticate_as_anon()
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  perform set_config('role', 'anon', true);
end;
$$;

create function tests.authenticate_as_service_role()
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  perform set_config('role', 'service_role', true);
end;
$$;

-- Back to the test's own role (postgres) with no claims.
create function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

-- The controllable clock read by private.current_time().
create function tests.set_now(p_now timestamptz)
returns void
language sql
as $$
  select set_config('cluso.now', p_now::text, true);
$$;

create function tests.clear_now()
returns void
language sql
as $$
  select set_config('cluso.now', '', true);
$$;

