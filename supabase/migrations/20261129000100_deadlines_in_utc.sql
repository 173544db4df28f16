-- Deadlines are instants, whatever the session's TimeZone (PostgREST lets a client set it per
-- request). `timestamptz + interval '7 days'` adds calendar days in the session's zone, so across
-- a DST change it is 167 or 169 hours; the windows are therefore stated in hours, which add the
-- same instant in every zone. And one request that keeps failing no longer blocks the erasure
-- queue: a failure backs the request off, the job claims the others meanwhile, and job health
-- names the failing one.

create or replace function private.survey_retention()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '720 hours';
$$;
comment on function private.survey_retention() is
  'How long a soft-deleted survey stays recoverable: 30 days of 24 hours, the same instant in every time zone.';

create or replace function private.account_erasure_window()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '168 hours';
$$;
comment on function private.account_erasure_window() is
  'The promise: an account is erased within 7 days of 24 hours of its request.';

alter table private.account_erasure_requests
  drop constraint account_erasure_requests_check;
update private.account_erasure_requests r
set due_at = r.requested_at + interval '168 hours'
where r.due_at <> r.requested_at + interval '168 hours';
alter table private.account_erasure_requests
  add constraint account_erasure_requests_due_at_check
    check (due_at = requested_at + interval '168 hours'),
  -- Failures, as opposed to attempts (every claim): what job health watches.
  add column failures integer not null default 0,
  add column next_attempt_at timestamptz not null default '-infinity';

-- Oldest deadline first among the requests that are neither leased nor backing off.
create or replace function private.account_erasure_claim(
  p_lease interval default interval '5 minutes'
)
returns private.account_erasure_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_request private.account_erasure_requests;
begin
  update private.account_erasure_requests r
  set status = 'in_progress', started_at = coalesce(r.started_at, v_now), attempts = r.attempts + 1,
    leased_until = v_now + p_lease, lease_token = gen_random_uuid()
  where r.id = (
    select d.id from private.account_erasure_requests d
    where (d.leased_until is null or d.leased_until <= v_now) and d.next_attempt_at <= v_now
    order by d.due_at, d.id
    limit 1
    for update skip locked
  )
  returning r.* into v_request;
  return v_request;
end;
$$;

-- A runner that hits an error records it, lets the lease go and backs the request off (30 s
-- doubling, capped at 1 hour, as the Storage outbox does), so the next claim takes another one.
create or replace function private.account_erasure_fail(
  p_request_id uuid, p_lease_token uuid, p_error text
)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.account_erasure_requests r
  set last_error = left(p_error, 2000), leased_until = null, lease_token = null,
    failures = r.failures + 1,
    next_attempt_at = private.current_time()
      + least(interval '30 seconds' * power(2, r.failures), interval '1 hour')
  where r.id = p_request_id and r.lease_token = p_lease_token;
$$;

create or replace view private.account_erasure_backlog
with (security_invoker = true)
as
  select r.id as request_id, r.user_id, r.requested_at, r.due_at, r.status, r.step, r.progress,
    r.attempts, r.started_at, r.leased_until, r.last_error,
    r.due_at <= private.current_time() as overdue,
    r.failures, r.next_attempt_at, r.failures >= 3 as failing
  from private.account_erasure_requests r;

create or replace function private.account_erasure_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'open', count(*),
    'in_progress', count(*) filter (where r.status = 'in_progress'),
    'overdue', count(*) filter (where r.due_at <= private.current_time()),
    'oldest_due_at', min(r.due_at),
    'failing', count(*) filter (where r.failures >= 3),
    'failing_request_ids', coalesce(jsonb_agg(r.id order by r.due_at)
      filter (where r.failures >= 3), '[]')
  )
  from private.account_erasure_requests r;
$$;
