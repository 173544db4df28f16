-- No recording escapes a deletion. An upload passes the bucket's insert policy against a
-- snapshot; if the survey or organisation is deleted before the upload commits, the deletion's
-- folder sweep cannot see the new object and it would stay in Storage forever. So:
--   1. every recording upload takes a KEY SHARE lock on its live survey before its row is
--      written. Deletions lock the survey FOR UPDATE first, so an upload either commits before
--      the deletion reads the folder (and is swept with it) or waits, and then a client's upload
--      fails. The service role and direct writes bypass the bucket's policy by design: they are
--      not refused, and the sweep below catches what they leave;
--   2. private.storage_orphan_sweep() queues any recording object whose survey no longer
--      exists, after a grace period, so nothing escapes even through a path not foreseen here.

create function private.lock_live_survey_for_upload()
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
  -- Refused exactly as the bucket's insert policy refuses: a different answer would tell a
  -- non-member which survey ids exist in another organisation's folder.
  if not found and current_setting('role') in ('anon', 'authenticated') then
    raise exception 'new row violates row-level security policy for table "objects"'
      using errcode = '42501';
  end if;
  return new;
end;
$$;

create trigger recordings_upload_locks_live_survey before insert on storage.objects
  for each row execute function private.lock_live_survey_for_upload();

-- Recording objects (ids-only names) whose '<org_id>/<survey_id>' folder has no survey, older
-- than p_grace (an upload in flight is never taken for an orphan), not queued yet.
create function private.storage_orphans(p_grace interval default interval '1 hour')
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
      select 1 from public.surveys s
      where s.org_id = split_part(o.name, '/', 1)::uuid and s.id = split_part(o.name, '/', 2)::uuid
    )
    and not exists (
      select 1 from private.storage_removals q
      where q.bucket_id = o.bucket_id and q.object_name = o.name
    );
$$;

-- Queues the orphans for removal by the Storage drain (audited there as 'orphan_swept').
create function private.storage_orphan_sweep(
  p_grace interval default interval '1 hour', p_limit integer default 5000
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_queued integer;
begin
  insert into private.storage_removals (bucket_id, object_name, org_id, survey_id, cause)
  select 'recordings', o.object_name, o.org_id, o.survey_id, 'orphan_swept'
  from private.storage_orphans(p_grace) o
  order by o.created_at
  limit p_limit
  on conflict (bucket_id, object_name) do nothing;
  get diagnostics v_queued = row_count;
  return v_queued;
end;
$$;

revoke all on function
  private.lock_live_survey_for_upload(),
  private.storage_orphans(interval),
  private.storage_orphan_sweep(interval, integer)
from public, anon, authenticated, service_role;

select cron.schedule('cluso-storage-orphan-sweep', '*/15 * * * *',
  $$select private.storage_orphan_sweep()$$);
