-- No recording escapes a respondent's erasure, as none escapes a survey's deletion
-- (20261129000200). A signed upload URL lives two hours: one issued for a response before its
-- respondent was erased could otherwise land an object in the erased response's folder after the
-- erasure read that folder, and the orphan sweep as 20261129000200 defines it finds only objects
-- whose survey is gone, so it would stay. So:
--   1. a recording upload takes a KEY SHARE lock on its response too (the folder's third
--      segment), after the one on its live survey, and is refused, with the same answer as for a
--      survey that is gone (no existence oracle), when the response does not exist;
--   2. private.respondent_erase() locks the respondent's responses FOR UPDATE before it reads
--      their folders: an upload either commits first (and its object is read and queued) or waits,
--      and then finds no response and is refused;
--   3. private.storage_orphans() finds every recording object whose response no longer exists
--      (whose survey is gone included: a response never outlives its survey), after the same
--      grace period. The service role and direct writes are not refused by design; this catches
--      what they leave in an erased response's folder, and anything a path not foreseen here
--      leaves, and job health reports it until it is queued.
-- The respondent's folders are read through private.storage_folders_objects() (one index range
-- per folder), and each recording look-up names the response's whole key (org, survey, live flag,
-- response), the recordings index's columns: one exact probe each. The composite foreign key
-- holds a recording to exactly its response's survey and flag, so the answers are unchanged.

create or replace function private.lock_live_survey_for_upload()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_writable boolean;
begin
  if new.bucket_id <> 'recordings' or not private.is_recording_object_name(new.name) then
    return new;
  end if;
  perform 1 from public.surveys s
  where s.org_id = split_part(new.name, '/', 1)::uuid
    and s.id = split_part(new.name, '/', 2)::uuid
    and s.deleted_at is null
  for key share;
  v_writable := found;
  -- The survey first, then the response: the order deletions lock them in.
  if v_writable then
    perform 1 from public.responses r
    where r.org_id = split_part(new.name, '/', 1)::uuid
      and r.survey_id = split_part(new.name, '/', 2)::uuid
      and r.id = split_part(new.name, '/', 3)::uuid
    for key share;
    v_writable := found;
  end if;
  -- Refused exactly as a bucket policy refuses: a different answer would tell which survey or
  -- response ids exist in another organisation's folder.
  if not v_writable and (current_setting('role') in ('anon', 'authenticated')
      or current_setting('storage.operation', true) = 'storage.object.upload_signed') then
    raise exception 'new row violates row-level security policy for table "objects"'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

-- Recording objects (ids-only names) whose '<org_id>/<survey_id>/<response_id>' folder has no
-- response, older than p_grace (an upload in flight is never taken for an orphan), not queued yet.
create or replace function private.storage_orphans(p_grace interval default interval '1 hour')
returns table (object_name text, org_id uuid, survey_id uuid, created_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select o.name, split_part(o.name, '/', 1)::uuid, split_part(o.name, '/', 2)::uuid, o.created_at
  from storage.objects o
  where o.bucket_id = 'recordings'
    and private.is_recording_object_name(o.name)
    and o.created_at <= private.current_time() - p_grace
    and not exists (
      select 1 from public.responses r
      where r.org_id = split_part(o.name, '/', 1)::uuid
        and r.survey_id = split_part(o.name, '/', 2)::uuid
        and r.id = split_part(o.name, '/', 3)::uuid
    )
    and not exists (
      select 1 from private.storage_removals q
      where q.bucket_id = o.bucket_id and q.object_name = o.name
    );
$$;

-- Respondents' rights (20261205000400): the look-up, the export and the erasure, restated whole.
create or replace function private.respondent_lookup(p_org_id uuid, p_respondent_ref text)
returns table (response_id uuid, survey_id uuid, started_at timestamptz,
  completed_at timestamptz, recordings integer, transcripts integer)
language sql
stable
security definer
set search_path = ''
as $$
  select r.id, r.survey_id, r.started_at, r.completed_at,
    (select count(*)::int from public.recordings c where c.org_id = r.org_id
       and c.survey_id = r.survey_id and c.survey_live = r.survey_live and c.response_id = r.id),
    (select count(*)::int from public.transcripts t join public.recordings c
       on c.org_id = t.org_id and c.id = t.recording_id
     where c.org_id = r.org_id and c.survey_id = r.survey_id and c.survey_live = r.survey_live
       and c.response_id = r.id)
  from public.responses r
  where r.id = any (private.respondent_responses(p_org_id, p_respondent_ref))
  order by r.started_at, r.id;
$$;

create or replace function private.respondent_export(
  p_org_id uuid, p_respondent_ref text, p_regime text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('manage respondents');
  v_ids uuid[] := private.respondent_responses(p_org_id, p_respondent_ref);
  v_request private.dsr_requests;
  v_responses jsonb;
  v_counts jsonb;
begin
  v_request := private.dsr_open('access', 'respondent', coalesce(p_regime, 'GDPR'),
    'respondent_request', v_user, p_subject_org_id => p_org_id,
    p_subject_respondent_hash => private.respondent_hash(p_org_id, p_respondent_ref));
  select jsonb_agg(jsonb_build_object(
      'response_id', r.id, 'survey_id', r.survey_id, 'survey_title', s.title,
      'started_at', r.started_at, 'completed_at', r.completed_at,
      'answers', coalesce((
        select jsonb_agg(jsonb_build_object(
            'recording_id', c.id, 'question_id', c.question_id, 'question', q.prompt,
            'duration_ms', c.duration_ms, 'mime_type', c.mime_type,
            'object_path', c.object_path,
            'audio_file', 'audio/' || c.id || '.' || split_part(c.object_path, '.', 2),
            'transcript', (select jsonb_build_object('language', t.language, 'body', t.body)
                           from public.transcripts t
                           where t.org_id = c.org_id and t.recording_id = c.id))
          order by q.position, c.created_at, c.id)
        from public.recordings c
        join public.questions q on q.org_id = c.org_id and q.id = c.question_id
        where c.org_id = r.org_id and c.survey_id = r.survey_id
          and c.survey_live = r.survey_live and c.response_id = r.id), '[]'))
    order by r.started_at, r.id)
  into v_responses
  from public.responses r
  join public.surveys s on s.org_id = r.org_id and s.id = r.survey_id
  where r.id = any (v_ids);
  select jsonb_build_object(
      'responses', jsonb_array_length(v_responses),
      'recordings', coalesce(sum(jsonb_array_length(x -> 'answers')), 0),
      'transcripts', coalesce(sum((select count(*) from jsonb_array_elements(x -> 'answers') a
                                   where a -> 'transcript' <> 'null'::jsonb)), 0))
  into v_counts
  from jsonb_array_elements(v_responses) x;
  perform private.dsr_complete(v_request.id, v_counts, 'respondent_export');
  return jsonb_build_object('format', 'cluso.respondent-export.v1', 'request', v_request.ref,
    'org_id', p_org_id, 'respondent_ref', p_respondent_ref,
    'generated_at', private.current_time(), 'counts', v_counts, 'responses', v_responses);
end;
$$;

create or replace function private.respondent_erase(
  p_org_id uuid, p_respondent_ref text, p_regime text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('manage respondents');
  v_ids uuid[] := private.respondent_responses(p_org_id, p_respondent_ref);
  v_request private.dsr_requests;
  v_recordings integer;
  v_transcripts integer;
  v_objects integer;
  v_responses integer;
  v_counts jsonb;
  v_folders text[];
begin
  v_request := private.dsr_open('erasure', 'respondent', coalesce(p_regime, 'GDPR'),
    'respondent_request', v_user, p_subject_org_id => p_org_id,
    p_subject_respondent_hash => private.respondent_hash(p_org_id, p_respondent_ref));
  -- The responses first, in id order: an upload into their folders holds a KEY SHARE lock on
  -- its response (private.lock_live_survey_for_upload), so it either commits before the folders
  -- are read below (and its object is queued) or waits, and then finds no response and fails.
  select array_agg(r.org_id || '/' || r.survey_id || '/' || r.id order by r.id) into v_folders
  from (
    select l.org_id, l.survey_id, l.id from public.responses l
    where l.org_id = p_org_id and l.id = any (v_ids)
    order by l.id
    for update
  ) r;
  select count(*) into v_recordings from public.responses r
  join public.recordings c on c.org_id = r.org_id and c.survey_id = r.survey_id
    and c.survey_live = r.survey_live and c.response_id = r.id
  where r.org_id = p_org_id and r.id = any (v_ids);
  select count(*) into v_transcripts from public.responses r
  join public.recordings c on c.org_id = r.org_id and c.survey_id = r.survey_id
    and c.survey_live = r.survey_live and c.response_id = r.id
  join public.transcripts t on t.org_id = c.org_id and t.recording_id = c.id
  where r.org_id = p_org_id and r.id = any (v_ids);
  -- Every object in the respondent's response folders, with a row or without.
  insert into private.storage_removals (bucket_id, object_name, org_id, survey_id, cause)
  select f.bucket_id, f.name, p_org_id, split_part(f.folder, '/', 2)::uuid, 'respondent_erasure'
  from private.storage_folders_objects('recordings', coalesce(v_folders, '{}')) f
  on conflict (bucket_id, object_name) do nothing;
  get diagnostics v_objects = row_count;
  delete from public.responses r where r.org_id = p_org_id and r.id = any (v_ids);
  get diagnostics v_responses = row_count;
  v_counts := jsonb_build_object('responses', v_responses, 'recordings', v_recordings,
    'transcripts', v_transcripts, 'storage_objects_queued', v_objects);
  perform audit.record_events('respondent.erased', 'public.responses', 'respondent_request',
    array(select p_org_id from unnest(v_ids)), array(select i::text from unnest(v_ids) i),
    p_actor_id => v_user);
  v_request := private.dsr_complete(v_request.id, v_counts, 'respondent_erasure');
  return jsonb_build_object('request', v_request.ref, 'counts', v_counts);
end;
$$;

revoke all on function
  private.lock_live_survey_for_upload(),
  private.storage_orphans(interval)
from public, anon, authenticated, service_role;
