-- Job health turns red when completed data-subject requests wait over an hour for their receipt.
--
-- The data-export job's receipts phase signs every completed request's receipt with the
-- project's key (DSR_RECEIPT_PRIVATE_KEY, held by the Edge Functions only). Without the key, or
-- with a phase that keeps failing, receipts waited without end and the only sign was a line in
-- the job's report, which nobody reads unless something is red. The phase runs every few
-- minutes, so a receipt still unsigned an hour after its request completed means it is not
-- being signed. Read by the index of pending receipts (dsr_requests_receipt_pending_idx).
-- 52_dsr_receipts RCP-012..RCP-014 and 32_jobs_health HLT-001 check it.

create function private.dsr_receipts_health()
returns table (check_name text, ok boolean, detail jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  select 'data_subject_request_receipts_issued', count(*) = 0,
    jsonb_build_object('unsigned_over_an_hour', count(*),
      'oldest', coalesce(jsonb_agg(jsonb_build_object('ref', w.ref, 'completed_at', w.closed_at)
        order by w.closed_at) filter (where w.rank <= 10), '[]'))
  from (
    select r.ref, r.closed_at, row_number() over (order by r.closed_at, r.ref) as rank
    from private.dsr_requests r
    where r.state = 'completed' and r.receipt is null
      and r.closed_at <= private.current_time() - interval '1 hour'
  ) w;
$$;

revoke all on function private.dsr_receipts_health()
from public, anon, authenticated, service_role;

insert into private.job_health_checks (check_function, position) values
  ('private.dsr_receipts_health()', 70);
