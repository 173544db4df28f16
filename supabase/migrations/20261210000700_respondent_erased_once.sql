-- A respondent is erased once, even when two erasures of them race.
--
-- private.respondent_erase() took the respondent's response ids before it opened the request,
-- then locked those responses. A second erasure started at the same time waited for the first
-- (on the ledger's one-open-request index), found the rows gone once it committed, locked
-- nothing and deleted nothing, and still wrote a respondent.erased event for every response the
-- first had erased and completed a second erasure request with zero counts. It now erases the
-- responses it locked, and with none left answers P0002, as for an unknown respondent, so
-- nothing of it stays (the request it opened goes with the refusal).
-- The function is restated whole; the one change is that lock. The concurrency test
-- respondent_erasure_races_test.ts races two erasures.

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
  -- What is erased is what was locked: a second erasure of the same respondent that waited for
  -- the first finds nothing left, and answers as for an unknown respondent.
  select array_agg(r.id order by r.id),
    array_agg(r.org_id || '/' || r.survey_id || '/' || r.id order by r.id)
  into v_ids, v_folders
  from (
    select l.org_id, l.survey_id, l.id from public.responses l
    where l.org_id = p_org_id and l.id = any (v_ids)
    order by l.id
    for update
  ) r;
  if v_ids is null then
    raise exception 'no respondent has this reference in this organisation' using errcode = 'P0002';
  end if;
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
