-- Fixtures, written directly as postgres (bypassing RLS) so each test states only its subject.
-- Installed after 00_session.sql.
--
-- Usage (basejump style: name things, never copy uuids between files):
--   select tests.create_user('ada');                      -- ada@example.test, generated id
--   select tests.create_org('ada', 'Acme');               -- ada owns Acme
--   select tests.add_member('Acme', 'bob', 'admin');
--   select tests.create_survey('Acme', 'alpha', 2, 2);    -- 2 questions, 2 responses, 4 recordings
--   select tests.authenticate_as('bob');                  -- as PostgREST would, for this transaction
--   select is(..., tests.user_id('ada'));                 -- ids by name: tests.user_id / org_id /
--   select ... where id = tests.survey_id('Acme', 'alpha');  -- survey_id; unknown names raise
-- Unknown literals resolve to the named (text) overloads; the uuid overloads take typed uuids
-- (tests.fx(...), `:'var'::uuid`, plpgsql variables).

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

-- An organisation named p_org_name, owned by the named user p_owner_name.
create function tests.create_org(p_owner_name text, p_org_name text)
returns uuid
language sql
as $$
  select tests.create_org(tests.user_id(p_owner_name), p_org_name);
$$;

-- The id of the organisation named p_org_name; raises unless exactly one has that name. A uuid
-- literal is returned as it is.
create function tests.org_id(p_org_name text)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if tests.uuid_or_null(p_org_name) is not null then
    return tests.uuid_or_null(p_org_name);
  end if;
  select array_agg(o.id) into v_ids from public.organizations o where o.name = p_org_name;
  if coalesce(cardinality(v_ids), 0) <> 1 then
    raise exception 'tests.org_id: % organisations named %', coalesce(cardinality(v_ids), 0), p_org_name;
  end if;
  return v_ids[1];
end;
$$;

create function tests.add_member(p_org_name text, p_user_name text, p_role public.org_role)
returns void
language sql
as $$
  select tests.add_member(tests.org_id(p_org_name), tests.user_id(p_user_name), p_role);
$$;

-- A survey with the slug p_slug in the named organisation (see the uuid overload for its rows).
create function tests.create_survey(
  p_org_name text, p_slug text, p_questions int default 2, p_responses int default 2
)
returns uuid
language sql
as $$
  select tests.create_survey(tests.org_id(p_org_name), p_slug, p_questions, p_responses);
$$;

-- The id of the survey with slug p_slug in the named organisation, live or in the trash; raises
-- unless exactly one matches (a trashed survey frees its slug: capture ids that may be reused).
create function tests.survey_id(p_org_name text, p_slug text)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  select array_agg(s.id) into v_ids
  from public.surveys s
  where s.org_id = tests.org_id(p_org_name) and s.slug = p_slug;
  if coalesce(cardinality(v_ids), 0) <> 1 then
    raise exception 'tests.survey_id: % surveys with slug % in %', coalesce(cardinality(v_ids), 0),
      p_slug, p_org_name;
  end if;
  return v_ids[1];
end;
$$;

-- A Storage object row as the Storage API would create it (tests of storage RLS and of the
-- reconciliation read storage.objects; the bytes are the Storage stand-in's concern), uploaded at
-- p_created_at (the sweeps' grace periods count from it).
create function tests.create_object(p_bucket text, p_name text, p_created_at timestamptz default now())
returns uuid
language sql
as $$
  insert into storage.objects (bucket_id, name, metadata, created_at)
  values (p_bucket, p_name, '{"size": 2048, "mimetype": "audio/webm"}', p_created_at)
  returning id;
$$;


-- What the caller can see of one survey, through every normal read (security invoker: RLS and
-- grants decide, as for any request). The soft-deletion suites compare it before and after.

-- The survey's recordings the caller can play: what the recordings broker grants (clients read
-- no objects themselves; its refusal is "not found", counted as nothing playable).
create function tests.survey_playable(p_survey uuid)
returns bigint
language plpgsql
security invoker
as $$
begin
  return (select count(*) from public.survey_playlist(p_survey));
exception when no_data_found or insufficient_privilege then
  return 0;
end;
$$;

-- The survey's children the caller can read: {questions, responses, recordings, transcripts}.
create function tests.survey_children_visible(p_survey uuid)
returns jsonb
language sql
security invoker
as $$
  select jsonb_build_object(
    'questions', (select count(*) from public.questions q where q.survey_id = p_survey),
    'responses', (select count(*) from public.responses r where r.survey_id = p_survey),
    'recordings', (select count(*) from public.recordings r where r.survey_id = p_survey),
    'transcripts', (select count(*) from public.transcripts t where t.survey_id = p_survey));
$$;

-- Everything of the survey the caller can reach: its row, its children, its Storage objects and
-- its playable recordings.
create function tests.survey_visible(p_survey uuid)
returns jsonb
language sql
security invoker
as $$
  select tests.survey_children_visible(p_survey) || jsonb_build_object(
    'surveys', (select count(*) from public.surveys s where s.id = p_survey),
    'objects', (select count(*) from storage.objects o
                where o.bucket_id = 'recordings' and o.name like '%/' || p_survey || '/%'),
    'playable', tests.survey_playable(p_survey));
$$;
