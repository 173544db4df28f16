-- Job health shows recovery: a schedule or Edge Function that failed and then succeeded is
-- green again at once, with the day's failures kept as detail.
begin;
select plan(6);
delete from cron.job_run_details;
delete from private.job_invocations;

insert into cron.job_run_details (jobid, runid, database, username, command, status,
  return_message, start_time, end_time)
select j.jobid, nextval('cron.runid_seq'), 'postgres', 'postgres', j.command, r.status, r.message,
  now() - r.ago, now() - r.ago + interval '1 second'
from cron.job j,
  (values ('failed', 'ERROR: Vault secrets missing', interval '2 hours'),
          ('succeeded', '1 row', interval '1 hour')) r(status, message, ago)
where j.jobname = 'cluso-retention-purge';
select is((select ok from private.job_health() where check_name = 'scheduled_runs_succeeded'), true,
  'OPS-H-001 a schedule whose latest run succeeded is green, though it failed earlier today');
select is((select jsonb_array_length(detail -> 'failed_runs') from private.job_health()
           where check_name = 'scheduled_runs_succeeded'), 1,
  'OPS-H-002 the earlier failure is still listed');
insert into cron.job_run_details (jobid, runid, database, username, command, status,
  return_message, start_time, end_time)
select j.jobid, nextval('cron.runid_seq'), 'postgres', 'postgres', j.command, 'failed', 'boom',
  now(), now()
from cron.job j where j.jobname = 'cluso-retention-purge';
select is((select ok from private.job_health() where check_name = 'scheduled_runs_succeeded'), false,
  'OPS-H-003 a schedule whose latest run failed is red');

-- Edge Function answers come from pg_net's worker; the local stand-in of pg_net records them on
-- request (net._standin_record_response). Elsewhere these checks are skipped.
create function pg_temp.edge_call_recovery()
returns setof text
language plpgsql
as $$
declare
  v_failed bigint;
  v_ok bigint;
begin
  if to_regprocedure('net._standin_record_response(bigint, integer, text, boolean, text)') is null then
    return next skip('recording pg_net answers needs the local stand-in of pg_net', 3);
    return;
  end if;
  v_failed := private.job_invoke('retention-purge');
  execute 'select net._standin_record_response($1, 500, null)' using v_failed;
  return next is((select ok from private.job_health() where check_name = 'edge_function_calls_succeeded'),
    false, 'OPS-H-004 an Edge Function whose latest call failed is red');
  v_ok := private.job_invoke('retention-purge');
  execute 'select net._standin_record_response($1, 200, null)' using v_ok;
  return next is((select ok from private.job_health() where check_name = 'edge_function_calls_succeeded'),
    true, 'OPS-H-005 green again once its next call succeeds');
  return next is((select jsonb_array_length(detail -> 'failed_calls') from private.job_health()
                  where check_name = 'edge_function_calls_succeeded'), 1,
    'OPS-H-006 with the failure kept as detail');
end;
$$;
select vault.create_secret('http://127.0.0.1:1', 'project_url')
where not exists (select 1 from vault.decrypted_secrets where name = 'project_url');
select vault.create_secret('test-key', 'service_role_key')
where not exists (select 1 from vault.decrypted_secrets where name = 'service_role_key');
select * from pg_temp.edge_call_recovery();

select * from finish();
rollback;
