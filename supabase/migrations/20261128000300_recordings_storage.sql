-- Recordings storage: voice recordings live in a private Storage bucket, one folder per organisation and survey:
--   recordings/<org_id>/<survey_id>/<response_id>/<recording_id>.<ext>
-- Members read and upload only inside their own organisation's folders, and only under live
-- surveys; nobody but the service role (the purge, through the Storage API) removes objects.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'recordings', 'recordings', false,
  52428800, -- 50 MiB: ten minutes of 48 kHz Opus with a wide margin
  array['audio/webm', 'audio/ogg', 'audio/mpeg', 'audio/mp4', 'audio/wav', 'audio/x-wav']
)
on conflict (id) do update
set public = excluded.public,
    file_size_limit = excluded.file_size_limit,
    allowed_mime_types = excluded.allowed_mime_types;

-- Folder names as text, so a malformed object name never raises a uuid cast error. Arrays
-- from plpgsql, like the role helper private.user_org_ids(), evaluated once per statement.
create function private.user_org_folders()
returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(select m.org_id::text from public.memberships m where m.user_id = auth.uid());
end;
$$;

-- '<org_id>/<survey_id>' of each live survey of the caller's organisations: the two folders are
-- checked as a pair, so a member of two organisations cannot file one organisation's survey
-- under the other's folder, nor reach a survey in the trash.
create function private.user_live_survey_folders()
returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select s.org_id::text || '/' || s.id::text
    from public.surveys s
    where s.deleted_at is null
      and s.org_id in (select m.org_id from public.memberships m where m.user_id = auth.uid())
  );
end;
$$;

grant execute on function private.user_org_folders(), private.user_live_survey_folders()
  to authenticated;

create policy recordings_objects_select on storage.objects for select to authenticated
  using (
    bucket_id = 'recordings'
    and (storage.foldername(name))[1] = any ((select private.user_org_folders())::text[])
    and (storage.foldername(name))[1] || '/' || (storage.foldername(name))[2]
      = any ((select private.user_live_survey_folders())::text[])
  );

-- Uploads must also be named like a recording: ids only, the same pattern as
-- private.is_recording_object_name() (written out here, as a plain expression on the row, so
-- the policy makes no per-row function call), so no object name can carry personal content
-- into the audit trail when it is removed.
create policy recordings_objects_insert on storage.objects for insert to authenticated
  with check (
    bucket_id = 'recordings'
    and name ~ ('^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/){3}'
      || '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(webm|ogg|mp3|m4a|wav)$')
    and (storage.foldername(name))[1] = any ((select private.user_org_folders())::text[])
    and (storage.foldername(name))[1] || '/' || (storage.foldername(name))[2]
      = any ((select private.user_live_survey_folders())::text[])
  );

-- Storage's platform grants give authenticated UPDATE and DELETE on storage.objects; these
-- restrictive policies state on purpose that no client may overwrite or remove a recording,
-- and keep any permissive policy added later from opening it by accident.
create policy recordings_objects_no_client_update on storage.objects as restrictive
  for update to anon, authenticated
  using (bucket_id <> 'recordings')
  with check (bucket_id <> 'recordings');
create policy recordings_objects_no_client_delete on storage.objects as restrictive
  for delete to anon, authenticated
  using (bucket_id <> 'recordings');

-- The objects in one folder of a bucket ('<org_id>' or '<org_id>/<survey_id>'): the one way the
-- product says "everything under this folder". A byte-order range on the prefix ('/' is 0x2F,
-- '0' is 0x30), so storage's (bucket_id, name collate "C") index answers it, and `_` or `%`
-- in a name are never wildcards.
create function private.storage_folder_objects(p_bucket_id text, p_folder text)
returns table (bucket_id text, name text)
language sql
stable
set search_path = ''
as $$
  select o.bucket_id, o.name
  from storage.objects o
  where o.bucket_id = p_bucket_id
    and o.name collate "C" >= p_folder || '/'
    and o.name collate "C" < p_folder || '0';
$$;
revoke all on function private.storage_folder_objects(text, text)
  from public, anon, authenticated, service_role;
