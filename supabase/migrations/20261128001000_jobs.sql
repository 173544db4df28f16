-- Jobs: the schedules of the data-protection jobs (Supabase Cron: pg_cron + pg_net + Vault, as
-- Supabase documents for invoking Edge Functions on a schedule) and the health checks that make
-- their failures reach a person (README.md, "Monitoring").
--
-- Each cron job only queues an HTTP request (pg_net is asynchronous), so it never holds one of
-- Supabase Cron's 8 concurrent job slots for long. The Edge Function checks the caller itself:
-- it accepts only the service-role credential read here from Vault.
--
-- Before the first run, ops store two Vault secrets (README, "Deploy"):
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');

create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pg_net with schema extensions;

-- Every invocation the schedules make, so private.job_health() can find pg_net's answer to it
-- (pg_net keeps responses in net._http_response for a few hours, keyed by request id).
create table private.job_invocations (
  request_id bigint primary key,
  function_name text not null,
  invoked_at timestamptz not null default now()
);
create index job_invocations_invoked_at_idx on private.job_invocations (invoked_at);
alter table private.job_invocations enable row level security;
revoke all on private.job_invocations from anon, authenticated, service_role;

create function private.job_invoke(p_function text, p_body jsonb default '{}')
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
  v_request bigint;
begin
  if p_function !~ '^[a-z0-9-]{1,64}$' then
    raise exception 'invalid Edge Function name "%"', p_function using errcode = '22023';
  end if;
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'project_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'service_role_key';
  if v_url is null or v_key is null then
    raise exception 'Vault secrets project_url and service_role_key are required to invoke %', p_function
      using errcode = '55000', hint = 'See README.md, section "Deploy to a hosted project".';
  end if;
  v_request := net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/' || p_function,
    headers := jsonb_build_object('Content-Type', 'application/json',
      'Authorization', 'Bearer ' || v_key),
    body := p_body,
    -- pg_net only waits this long to record the answer; the function runs to its own deadline.
    timeout_milliseconds := 300000
  );
  insert into private.job_invocations (request_id, function_name) values (v_request, p_function);
  -- The log only has to outlive pg_net's responses.
  delete from private.job_invocations j where j.invoked_at < now() - interval '7 days';
  return v_request;
end;
$$;
revoke all on function private.job_invoke(text, jsonb)
  from public, anon, authenticated, service_role;

-- cron.schedule() with a job name updates the job if it exists, so this is safe to re-run.

-- Failures must reach a person. pg_net is fire-and-forget, so an Edge Function's HTTP 500 (a
-- Storage removal stuck, an erasure past its 7-day deadline) would otherwise only sit in
-- net._http_response and the function logs. private.job_health() lists every check with its
-- state; private.job_health_assert() raises when any check fails, so the hourly schedule below
-- shows a failure as a failed run in cron.job_run_details, where ops alert on it.
create function private.job_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_removals jsonb := private.storage_removal_status();
  v_erasures jsonb := private.account_erasure_status();
  v_failed_calls jsonb;
  v_failed_runs jsonb;
begin
  check_name := 'storage_removals_not_stuck';
  ok := (v_removals ->> 'stuck')::int = 0;
  detail := v_removals;
  return next;

  check_name := 'account_erasures_within_deadline';
  ok := (v_erasures ->> 'overdue')::int = 0;
  detail := v_erasures;
  return next;

  -- Scheduled runs of the last 24 hours that failed inside the database (e.g. missing Vault
  -- secrets).
  select coalesce(jsonb_agg(jsonb_build_object('job', j.jobname, 'at', d.start_time,
      'message', left(d.return_message, 300)) order by d.start_time desc), '[]')
  into v_failed_runs
  from cron.job_run_details d
  join cron.job j on j.jobid = d.jobid
  where j.jobname like 'cluso-%' and d.status = 'failed'
    and d.start_time > now() - interval '24 hours';
  check_name := 'scheduled_runs_succeeded';
  ok := jsonb_array_length(v_failed_runs) = 0;
  detail := jsonb_build_object('failed_runs', v_failed_runs);
  return next;

  -- Edge Function answers that were not 2xx, or never came (pg_net keeps them for hours).
  select coalesce(jsonb_agg(jsonb_build_object('function', i.function_name,
        'at', i.invoked_at, 'status', r.status_code, 'timed_out', r.timed_out,
        'error', left(r.error_msg, 300)) order by i.invoked_at desc), '[]')
    from private.job_invocations i
    join net._http_response r on r.id = i.request_id
    where i.invoked_at > now() - interval '24 hours'
      and (r.status_code is null or r.status_code not between 200 and 299)
  into v_failed_calls;
  check_name := 'edge_function_calls_succeeded';
  ok := jsonb_array_length(v_failed_calls) = 0;
  detail := jsonb_build_object('failed_calls', v_failed_calls);
  return next;
end;
$$;

create function private.job_health_assert()
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_failing text;
begin
  select string_agg(h.check_name || ' ' || h.detail::text, '; ' order by h.check_name)
  into v_failing
  from private.job_health() h
  where not h.ok;
  if v_failing is not null then
    raise exception 'data-protection jobs need attention: %', v_failing
      using errcode = 'P0001', hint = 'See README.md, section "Monitoring".';
  end if;
end;
$$;

revoke all on function private.job_health(), private.job_health_assert()
  from public, anon, authenticated, service_role;

-- Every schedule. cron.schedule() with a job name updates the job if it exists, so this is safe
-- to re-run.
select cron.schedule('cluso-retention-purge', '*/15 * * * *',
  $$select private.job_invoke('retention-purge')$$);
select cron.schedule('cluso-account-erasure', '*/30 * * * *',
  $$select private.job_invoke('account-erasure')$$);
select cron.schedule('cluso-job-health', '7 * * * *', $$select private.job_health_assert()$$);
