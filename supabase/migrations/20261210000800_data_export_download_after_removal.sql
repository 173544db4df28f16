-- An export the job has removed still answers "expired", not "none".
--
-- data-export-download answers 410 once an export has expired, and 404 when the account has
-- none (docs/DATA_SUBJECT_RIGHTS.md). Since 20261209000300 the export job deletes an expired
-- export's row when it queues its archive for removal, so within minutes of the expiry the
-- answer turned into 404, "no data export for this account", to someone who had one. With no
-- export row, the download now looks in the request ledger, which keeps the completed access
-- request for 24 months: it answers 410 for an account whose export was completed, and 404 for
-- one that never had one. The ledger is read by subject_key (the user id for an account), which
-- a closed request keeps until the account is erased, through an index of the closed requests
-- by subject (most accounts have no export row, so every download of theirs asks). The function
-- is restated whole; the one change is that branch. 51_dsr_account_export EXP-043 checks it.

create index dsr_requests_closed_subject_idx on private.dsr_requests (subject_key)
  where state <> 'open';

create or replace function private.data_export_download()
returns table (ref text, object_name text, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('download your data');
  v_export private.data_exports;
begin
  select * into v_export from private.data_exports e
  where e.user_id = v_user order by e.requested_at desc limit 1;
  if v_export.id is null then
    -- The export job deletes an export's row once it has expired; the ledger keeps the request.
    if exists (select 1 from private.dsr_requests r
               where r.subject_key = v_user::text and r.request_type = 'access'
                 and r.subject_kind = 'account' and r.state = 'completed') then
      raise exception 'this export has expired: request a new one' using errcode = 'PT410';
    end if;
    raise exception 'no data export for this account' using errcode = 'P0002';
  end if;
  if v_export.status = 'pending' then
    raise exception 'the export is being prepared' using errcode = '55000';
  end if;
  if v_export.expires_at <= private.current_time() then
    raise exception 'this export has expired: request a new one' using errcode = 'PT410';
  end if;
  return query select r.ref, v_export.object_name, v_export.expires_at
    from private.dsr_requests r where r.id = v_export.dsr_id;
end;
$$;
