-- Named fixtures written directly as postgres (bypassing RLS). Installed after 00_session.sql.

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

