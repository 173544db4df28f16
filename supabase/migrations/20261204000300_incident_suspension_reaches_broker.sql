-- A suspended organisation (20261204000200_incident_containment) is closed to the recordings
-- broker too: the broker's grant functions (20261201000300_recording_broker) check membership
-- themselves rather than through the role helper, so each now also skips suspended
-- organisations. Bodies otherwise unchanged; same signatures, so their grants and wrappers stay.
-- A suspended member gets the same "not found" as anyone else refused.

create or replace function private.recording_access(p_recording_id uuid)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('listen to recordings');
  v_recording public.recordings;
  v_name text;
begin
  -- The recording, under a live survey of an organisation the caller is a member of.
  select r.* into v_recording
  from public.recordings r
  join public.surveys s on s.org_id = r.org_id and s.id = r.survey_id and s.deleted_at is null
  join public.memberships m on m.org_id = r.org_id and m.user_id = v_user
    and not exists (select 1 from private.organization_suspensions x where x.org_id = m.org_id)
  where r.id = p_recording_id;
  if v_recording.id is not null then
    select g.object_name into v_name
    from private.log_recording_grants('single', v_user, array[v_recording]) g;
  end if;
  if v_name is null then
    raise exception 'recording not found' using errcode = 'P0002';
  end if;
  return v_name;
end;
$$;

create or replace function private.survey_playlist(p_survey_id uuid)
returns table (recording_id uuid, object_name text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('listen to recordings');
  v_org uuid;
  v_recordings public.recordings[];
begin
  select s.org_id into v_org
  from public.surveys s
  join public.memberships m on m.org_id = s.org_id and m.user_id = v_user
    and not exists (select 1 from private.organization_suspensions x where x.org_id = m.org_id)
  where s.id = p_survey_id and s.deleted_at is null;
  if v_org is null then
    raise exception 'survey not found' using errcode = 'P0002';
  end if;
  v_recordings := array(
    select r from public.recordings r
    where r.org_id = v_org and r.survey_id = p_survey_id
    order by r.created_at, r.id
    limit 1001);
  if cardinality(v_recordings) > 1000 then
    raise exception 'a playlist holds at most 1000 recordings' using errcode = '54000';
  end if;
  return query select g.recording_id, g.object_name
    from private.log_recording_grants('playlist', v_user, v_recordings) g;
end;
$$;

create or replace function private.recording_upload_slot(
  p_response_id uuid, p_extension text, p_file_id uuid default null
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('upload recordings');
  v_response record;
  v_name text;
begin
  if p_extension is null or p_extension not in ('webm', 'ogg', 'mp3', 'm4a', 'wav') then
    raise exception 'extension must be one of webm, ogg, mp3, m4a, wav' using errcode = '22023';
  end if;
  select r.org_id, r.survey_id, r.id into v_response
  from public.responses r
  join public.surveys s on s.org_id = r.org_id and s.id = r.survey_id and s.deleted_at is null
  join public.memberships m on m.org_id = r.org_id and m.user_id = v_user
    and not exists (select 1 from private.organization_suspensions x where x.org_id = m.org_id)
  where r.id = p_response_id;
  if v_response.id is null then
    raise exception 'response not found' using errcode = 'P0002';
  end if;
  v_name := format('%s/%s/%s/%s.%s', v_response.org_id, v_response.survey_id, v_response.id,
    coalesce(p_file_id, gen_random_uuid()), p_extension);
  perform audit.log_recording_access('upload', v_user, array[v_response.org_id],
    array[v_response.survey_id], array[v_response.id], array[null::uuid], array[v_name]);
  return v_name;
end;
$$;
