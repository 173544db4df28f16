-- Test helpers for the pgTAP suites (schema `tests`). Installed by scripts/test.sh after the
-- migrations, on the local stack only: never part of supabase/migrations/.
-- They set the role and claims exactly as PostgREST does for a request (set_config(..., true)
-- of `role` and `request.jwt.claims`), so policies and auth.uid() see what production sees.

drop schema if exists tests cascade;
create schema tests;
grant usage on schema tests to anon, authenticated, service_role;

-- A uuid written as text, or null. Lets the named helpers below also take a user or organisation
-- by its id as text: the isolation fixture's users have fixed ids and no name (tests.fx), and
-- the job drivers take users by name (an unknown literal resolves to the text overload).
create function tests.uuid_or_null(p_text text)
returns uuid
language sql
immutable
as $$
  select case
    when p_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_text::uuid
  end;
$$;

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

-- A named user (basejump style): a confirmed auth user with a generated id, the email
-- '<p_name>@example.test' and raw_user_meta_data {"test_identifier": p_name}, by which
-- tests.user_id(p_name) finds it again. Given a uuid literal and an email (the uuid-based call
-- written without casts), it creates that user instead.
create function tests.create_user(p_name text, p_phone text default null)
returns uuid
language plpgsql
as $$
declare
  v_id uuid;
begin
  if tests.uuid_or_null(p_name) is not null then
    return tests.create_user(tests.uuid_or_null(p_name), p_phone);
  end if;
  v_id := tests.create_user(gen_random_uuid(), p_name || '@example.test', p_phone);
  update auth.users set raw_user_meta_data = jsonb_build_object('test_identifier', p_name)
  where id = v_id;
  return v_id;
end;
$$;

-- The id of the user created by tests.create_user(p_name); raises for an unknown name. A uuid
-- literal is returned as it is. The lookups (user_id, org_id, survey_id) are security definer so
-- that a test may name things while acting as anon or an authenticated user, whatever RLS lets
-- that role see; they are stable, so a lookup sees rows created by earlier statements only.
create function tests.user_id(p_name text)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  v_id := tests.uuid_or_null(p_name);
  if v_id is null then
    select u.id into v_id from auth.users u where u.raw_user_meta_data ->> 'test_identifier' = p_name;
  end if;
  if v_id is null then
    raise exception 'tests.user_id: no test user named %', p_name;
  end if;
  return v_id;
end;
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

-- Become the named user for the rest of the transaction.
create function tests.authenticate_as(p_name text)
returns void
language sql
as $$
  select tests.authenticate_as(tests.user_id(p_name));
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

-- The authenticated role with a token that names no user (no `sub`: a malformed or service
-- token), so auth.uid() is null. Entry points must refuse it themselves.
create function tests.authenticate_as_subjectless()
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"authenticated","aud":"authenticated"}', true);
  perform set_config('role', 'authenticated', true);
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

