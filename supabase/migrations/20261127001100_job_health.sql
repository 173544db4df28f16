-- Failures of the data-protection jobs must reach a person. pg_net is fire-and-forget, so an
-- Edge Function's HTTP 500 (a Storage removal stuck, an erasure past its 7-day deadline) would
-- otherwise only sit in net._http_response and the function logs.
--
-- private.job_health() lists every check with its state; private.assert_jobs_healthy() raises
-- when any check fails. The schedule below runs it hourly, so a failure shows up as a failed
-- run in cron.job_run_details (Database > Cron in the dashboard), where ops alert on it
-- (README, "Monitoring").

create function private.job_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_removals jsonb := private.storage_removal_status();
  v_erasures jsonb := private.account_deletion_report();
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
  -- The local stand-in of pg_net sends nothing and has no response table: then 'unknown'.
  if to_regclass('net._http_response') is null then
    check_name := 'edge_function_calls_succeeded';
    ok := true;
    detail := jsonb_build_object('unknown', 'pg_net keeps no responses here');
    return next;
    return;
  end if;
  execute $q$
    select coalesce(jsonb_agg(jsonb_build_object('function', i.function_name,
        'at', i.invoked_at, 'status', r.status_code, 'timed_out', r.timed_out,
        'error', left(r.error_msg, 300)) order by i.invoked_at desc), '[]')
    from private.job_invocations i
    join net._http_response r on r.id = i.request_id
    where i.invoked_at > now() - interval '24 hours'
      and (r.status_code is null or r.status_code not between 200 and 299)
  $q$ into v_failed_calls;
  check_name := 'edge_function_calls_succeeded';
  ok := jsonb_array_length(v_failed_calls) = 0;
  detail := jsonb_build_object('failed_calls', v_failed_calls);
  return next;
end;
$$;

create function private.assert_jobs_healthy()
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

revoke all on function private.job_health(), private.assert_jobs_healthy()
  from public, anon, authenticated, service_role;

select cron.schedule('cluso-job-health', '7 * * * *', $$select private.assert_jobs_healthy()$$);
