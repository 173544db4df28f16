-- Recordings through a broker (docs/RECORDING_ACCESS.md). Clients no longer read or write the
-- recordings bucket themselves: with a select policy a member could mint a signed URL of any
-- lifetime (createSignedUrl) and keep listening after the survey was trashed, after being
-- removed from the organisation or after being erased. Instead the Edge Function
-- `recording-access` asks these functions, AS THE CALLER, whether the caller may have a
-- recording (or a survey's playlist, or an upload slot in one response); they answer with the
-- object names and log every grant (audit.recording_access). The function then has Storage sign
-- URLs with the service role, valid 60 seconds at most.
--
-- Refusals are one answer, P0002 "recording not found" (or "survey"/"response"), whether the
-- id is unknown, in another organisation, under a trashed survey, or the caller was removed or
-- erased: no existence oracle.

-- No client reads or writes recording objects: the policies that allowed it go, and
-- restrictive policies keep any permissive policy added later from opening them by accident.
-- (The real Storage API writes an object with INSERT ... RETURNING * as the caller, so a
-- client upload would need a select policy too: uploads use signed upload URLs instead, whose
-- write the Storage API makes itself.)
drop policy recordings_objects_select on storage.objects;
drop policy recordings_objects_insert on storage.objects;
drop function private.user_org_folders();
drop function private.user_live_survey_folders();

create policy recordings_objects_no_client_select on storage.objects as restrictive
  for select to anon, authenticated
  using (bucket_id <> 'recordings');
create policy recordings_objects_no_client_insert on storage.objects as restrictive
  for insert to anon, authenticated
  with check (bucket_id <> 'recordings');

-- Uploads now reach the bucket through the Storage API's signed upload route, which writes as
-- the service role (storage.operation 'storage.object.upload_signed'). Such an upload still takes
-- the KEY SHARE lock on its live survey (20261129000200) and is refused, as a client's was, when
-- the survey is gone or in the trash by the time it writes: an upload URL lives two hours.
create or replace function private.lock_live_survey_for_upload()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.bucket_id <> 'recordings' or not private.is_recording_object_name(new.name) then
    return new;
  end if;
  perform 1 from public.surveys s
  where s.org_id = split_part(new.name, '/', 1)::uuid
    and s.id = split_part(new.name, '/', 2)::uuid
    and s.deleted_at is null
  for key share;
  -- Refused exactly as a bucket policy refuses: a different answer would tell which survey ids
  -- exist in another organisation's folder.
  if not found and (current_setting('role') in ('anon', 'authenticated')
      or current_setting('storage.operation', true) = 'storage.object.upload_signed') then
    raise exception 'new row violates row-level security policy for table "objects"'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

-- Logs the grant of these recordings to the caller and returns their object names.
create function private.log_recording_grants(
  p_access_path text, p_user_id uuid, p_recordings public.recordings[]
)
returns table (recording_id uuid, object_name text)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if cardinality(p_recordings) > 0 then
    perform audit.log_recording_access(p_access_path, p_user_id,
      array(select r.org_id from unnest(p_recordings) r),
      array(select r.survey_id from unnest(p_recordings) r),
      array(select r.response_id from unnest(p_recordings) r),
      array(select r.id from unnest(p_recordings) r),
      array(select r.object_path from unnest(p_recordings) r));
  end if;
  return query select r.id, r.object_path from unnest(p_recordings) r;
end;
$$;

-- One recording: its object name, or "recording not found".
create function private.recording_access(p_recording_id uuid)
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
  where r.id = p_recording_id and private.has_org_role(r.org_id, 'member');
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

-- A live survey's recordings, oldest first, at most 1000 (a playlist is one call): or "survey
-- not found". A live survey of the caller's without recordings is an empty playlist.
create function private.survey_playlist(p_survey_id uuid)
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
  where s.id = p_survey_id and s.deleted_at is null and private.has_org_role(s.org_id, 'member');
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

-- An ids-only object name in one response of a live survey, for one signed upload: or
-- "response not found". The file's uuid is the client's (the id it gives the recording row it
-- writes next) or a fresh one. Logged as an upload grant.
create function private.recording_upload_slot(
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
  where r.id = p_response_id and private.has_org_role(r.org_id, 'member');
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

create function public.recording_access(p_recording_id uuid)
returns text
language sql
security invoker
set search_path = ''
as $$
  select private.recording_access(p_recording_id);
$$;
comment on function public.recording_access(uuid) is
  'The broker''s check for one recording: its object name, logged; "recording not found" otherwise.';

create function public.survey_playlist(p_survey_id uuid)
returns table (recording_id uuid, object_name text)
language sql
security invoker
set search_path = ''
as $$
  select * from private.survey_playlist(p_survey_id);
$$;
comment on function public.survey_playlist(uuid) is
  'The broker''s check for a live survey''s recordings (at most 1000), logged.';

create function public.recording_upload_slot(
  p_response_id uuid, p_extension text, p_file_id uuid default null
)
returns text
language sql
security invoker
set search_path = ''
as $$
  select private.recording_upload_slot(p_response_id, p_extension, p_file_id);
$$;
comment on function public.recording_upload_slot(uuid, text, uuid) is
  'The broker''s check for an upload into one response of a live survey: a fresh object name, logged.';

revoke all on function
  private.log_recording_grants(text, uuid, public.recordings[]),
  private.recording_access(uuid),
  private.survey_playlist(uuid),
  private.recording_upload_slot(uuid, text, uuid),
  public.recording_access(uuid),
  public.survey_playlist(uuid),
  public.recording_upload_slot(uuid, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function
  private.recording_access(uuid),
  private.survey_playlist(uuid),
  private.recording_upload_slot(uuid, text, uuid),
  public.recording_access(uuid),
  public.survey_playlist(uuid),
  public.recording_upload_slot(uuid, text, uuid)
to authenticated;
