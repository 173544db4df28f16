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

-- Fixtures, written directly as postgres (bypassing RLS) so each test states only its subject.
create function tests.create_org(p_owner uuid, p_name text default 'Test org')
returns uuid
language plpgsql
as $$
declare
  v_org uuid;
begin
  insert into public.organizations (name, created_by) values (p_name, p_owner) returning id into v_org;
  insert into public.memberships (org_id, user_id, role) values (v_org, p_owner, 'owner');
  return v_org;
end;
$$;

create function tests.add_member(p_org uuid, p_user uuid, p_role public.org_role)
returns void
language sql
as $$
  insert into public.memberships (org_id, user_id, role) values (p_org, p_user, p_role);
$$;

-- A survey with p_questions questions, p_responses responses, and one recording (with its
-- transcript) per response and question. Returns the survey id.
create function tests.create_survey(
  p_org uuid, p_slug text default null, p_questions int default 2, p_responses int default 2
)
returns uuid
language plpgsql
as $$
declare
  v_survey uuid;
begin
  insert into public.surveys (org_id, title, slug)
  values (p_org, 'Survey ' || coalesce(p_slug, 'x'), coalesce(p_slug, 's-' || substr(md5(random()::text), 1, 10)))
  returning id into v_survey;
  insert into public.questions (org_id, survey_id, position, prompt)
  select p_org, v_survey, g, 'Question ' || g from generate_series(1, p_questions) g;
  insert into public.responses (org_id, survey_id, respondent_ref)
  select p_org, v_survey, 'resp-' || g from generate_series(1, p_responses) g;
  insert into public.recordings (org_id, survey_id, response_id, question_id, object_path,
    duration_ms, size_bytes, mime_type)
  select p_org, v_survey, r.id, q.id,
    p_org || '/' || v_survey || '/' || r.id || '/' || q.id || '.webm', 1000, 2048, 'audio/webm'
  from public.responses r cross join public.questions q
  where r.survey_id = v_survey and q.survey_id = v_survey;
  insert into public.transcripts (org_id, survey_id, recording_id, body)
  select p_org, v_survey, rec.id, 'transcript of ' || rec.id
  from public.recordings rec where rec.survey_id = v_survey;
  return v_survey;
end;
$$;

-- A Storage object row as the Storage API would create it (tests of storage RLS and of the
-- reconciliation read storage.objects; the bytes are the Storage stand-in's concern).
create function tests.create_object(p_bucket text, p_name text)
returns uuid
language sql
as $$
  insert into storage.objects (bucket_id, name, metadata)
  values (p_bucket, p_name, '{"size": 2048, "mimetype": "audio/webm"}')
  returning id;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
