-- The data-export build and the mail outbox back off through private.retry_backoff, the one
-- backoff every retry queue uses (20261129000100_deadlines_and_backoff.sql).
--
-- data_export_fail() wrote its own `30 s * 2^attempts` with no bound on the exponent: from about
-- the 39th failure the interval overflowed, and recording the failure itself failed ("interval
-- out of range"), so the export could no longer be released; its first wait was also 60 s, not
-- the 30 s docs/DATA_SUBJECT_RIGHTS.md states. mail_settle() wrote the same formula as the
-- helper's; it now calls it, so the two cannot drift apart.

create or replace function private.data_export_fail(p_export_id uuid, p_lease_token uuid, p_error text)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.data_exports e
  set last_error = left(p_error, 500), lease_token = null,
      leased_until = private.current_time() + private.retry_backoff(e.attempts)
  where e.id = p_export_id and e.lease_token = p_lease_token;
$$;

create or replace function private.mail_settle(
  p_id uuid, p_lease_token uuid, p_error text default null, p_max_attempts integer default 12
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_status text;
begin
  update private.mail_outbox m
  set status = case
        when p_error is null then 'sent'
        when m.attempts >= p_max_attempts then 'failed'
        else 'queued' end,
      sent_at = case when p_error is null then v_now end,
      next_attempt_at = case when p_error is null then m.next_attempt_at
        else v_now + private.retry_backoff(m.attempts) end,
      last_error = left(p_error, 500),
      leased_until = null, lease_token = null
  where m.id = p_id and m.lease_token = p_lease_token and m.status = 'sending'
  returning m.status into v_status;
  return v_status;
end;
$$;
