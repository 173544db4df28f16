-- Deadlines are instants, whatever the session's TimeZone (PostgREST lets a client set it per
-- request). `timestamptz + interval '7 days'` adds calendar days in the session's zone, so across
-- a DST change it is 167 or 169 hours; the windows are therefore stated in hours, which add the
-- same instant in every zone. And one request that keeps failing no longer blocks the erasure
-- queue: a failure backs the request off, the job claims the others meanwhile, and job health
-- names the failing one. Every retry queue backs off through one function, bounded however many
-- times an item failed (30 s * 2^n overflowed an interval after about 39 failures).

-- 30 s after the first failure, doubling, capped at 1 hour.
create function private.retry_backoff(p_failures integer)
returns interval
language sql
immutable
set search_path = ''
as $$
  select least(interval '30 seconds' * power(2, least(greatest(p_failures - 1, 0), 7)),
    interval '1 hour');
$$;
revoke all on function private.retry_backoff(integer) from public, anon, authenticated, service_role;

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
    next_attempt_at = private.current_time() + private.retry_backoff(r.failures + 1)
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

-- Settle leased removals after a remove() call. A removal counts as done when Storage reported
-- the object deleted, or when its row is gone from storage.objects (deleted by an earlier call
-- whose answer was lost). Done removals are audited and leave the outbox; the rest are retried
-- with exponential backoff (30 s doubling, capped at 1 hour), keeping the error.
create or replace function private.storage_removal_settle(
  p_ids bigint[], p_removed_names text[], p_error text default null,
  p_job text default 'retention_purge'
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_done private.settled_removal[];
  v_cause text;
  v_removed integer := 0;
  v_failed integer := 0;
begin
  with done as (
    delete from private.storage_removals r
    where r.id = any(p_ids)
      and (r.object_name = any(coalesce(p_removed_names, '{}'))
        or not exists (select 1 from storage.objects o
                       where o.bucket_id = r.bucket_id and o.name = r.object_name))
    returning r.org_id, r.bucket_id, r.object_name, r.cause, r.attempts
  )
  select array_agg(row(d.org_id, d.bucket_id, d.object_name, d.cause, d.attempts)
    ::private.settled_removal) into v_done
  from done d;
  v_removed := coalesce(cardinality(v_done), 0);

  -- One audit event per removed object, appended in one statement per cause.
  for v_cause in select distinct d.cause from unnest(v_done) d loop
    perform audit.record_events('storage_object.removed', 'storage.objects', v_cause,
      array(select d.org_id from unnest(v_done) d where d.cause = v_cause order by d.object_name),
      array(select private.audited_object_name(d.bucket_id, d.object_name) from unnest(v_done) d
            where d.cause = v_cause order by d.object_name),
      array(select jsonb_build_object('attempts', d.attempts) from unnest(v_done) d
            where d.cause = v_cause order by d.object_name),
      p_actor_job => p_job);
  end loop;

  update private.storage_removals r
  set leased_until = null,
    next_attempt_at = v_now + private.retry_backoff(r.attempts),
    last_error = coalesce(p_error, 'Storage did not confirm the removal')
  where r.id = any(p_ids);
  get diagnostics v_failed = row_count;

  return jsonb_build_object('removed', v_removed, 'failed', v_failed);
end;
$$;
