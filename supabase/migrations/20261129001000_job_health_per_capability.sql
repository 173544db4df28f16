-- Job health, one home per capability, and the checks the hardening added. Each capability
-- states its own checks in a function of its own (`private.<capability>_health()`, returning
-- check_name, ok, detail) and registers it in private.job_health_checks, in the migration that
-- adds the capability; private.job_health() runs every registered function in order, so a new
-- capability never redefines it. The checks (README.md, "Monitoring"):
--   * a scheduled run or Edge Function call that failed no longer keeps its check red for 24
--     hours after the job recovered: each check reads the latest run (call) per job, and lists
--     the failures of the last 24 hours as detail;
--   * account_erasures_not_failing names erasure requests that failed 3 times or more;
--   * recordings_swept: no recording object outlives its survey unqueued (the orphan sweep);
--   * audit_anchors_published: chain heads reach the external sink within an hour;
--   * audit_owner_unused: nobody holds the audit trail's owner role.

create table private.job_health_checks (
  check_function regprocedure primary key,
  -- Where the capability's checks are listed; capabilities may share a position.
  position integer not null
);
comment on table private.job_health_checks is
  'The functions private.job_health() runs, in position order; each returns (check_name, ok, detail).';
alter table private.job_health_checks enable row level security;
revoke all on private.job_health_checks from anon, authenticated, service_role;

create function private.storage_removal_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_removals jsonb := private.storage_removal_status();
  v_orphans bigint;
begin
  check_name := 'storage_removals_not_stuck';
  ok := (v_removals ->> 'stuck')::int = 0;
  detail := v_removals;
  return next;

  select count(*) into v_orphans from private.storage_orphans(interval '2 hours');
  check_name := 'recordings_swept';
  ok := v_orphans = 0;
  detail := jsonb_build_object('orphans_unqueued', v_orphans);
  return next;
end;
$$;

create function private.account_erasure_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_erasures jsonb := private.account_erasure_status();
begin
  check_name := 'account_erasures_within_deadline';
  ok := (v_erasures ->> 'overdue')::int = 0;
  detail := v_erasures;
  return next;

  check_name := 'account_erasures_not_failing';
  ok := (v_erasures ->> 'failing')::int = 0;
  detail := jsonb_build_object('failing', v_erasures -> 'failing',
    'request_ids', v_erasures -> 'failing_request_ids');
  return next;
end;
$$;

-- The latest run (call) of each schedule (Edge Function) decides; the day's failures are the
-- detail, so a recovered job is green at once.
create function private.job_runs_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_latest jsonb;
  v_failures jsonb;
begin
  select coalesce(jsonb_agg(jsonb_build_object('job', l.jobname, 'at', l.start_time,
      'status', l.status) order by l.jobname), '[]')
  into v_latest
  from (
    select distinct on (j.jobname) j.jobname, d.start_time, d.status
    from cron.job_run_details d
    join cron.job j on j.jobid = d.jobid
    where j.jobname like 'cluso-%' and d.status in ('succeeded', 'failed')
    order by j.jobname, d.start_time desc
  ) l;
  select coalesce(jsonb_agg(jsonb_build_object('job', j.jobname, 'at', d.start_time,
      'message', left(d.return_message, 300)) order by d.start_time desc), '[]')
  into v_failures
  from cron.job_run_details d
  join cron.job j on j.jobid = d.jobid
  where j.jobname like 'cluso-%' and d.status = 'failed'
    and d.start_time > now() - interval '24 hours';
  check_name := 'scheduled_runs_succeeded';
  ok := not jsonb_path_exists(v_latest, '$[*] ? (@.status == "failed")');
  detail := jsonb_build_object('latest_runs', v_latest, 'failed_runs', v_failures);
  return next;

  select coalesce(jsonb_agg(jsonb_build_object('function', l.function_name, 'at', l.invoked_at,
      'status', l.status_code) order by l.function_name), '[]')
  into v_latest
  from (
    select distinct on (i.function_name) i.function_name, i.invoked_at, r.status_code
    from private.job_invocations i
    join net._http_response r on r.id = i.request_id
    order by i.function_name, i.invoked_at desc, i.request_id desc
  ) l;
  select coalesce(jsonb_agg(jsonb_build_object('function', i.function_name,
        'at', i.invoked_at, 'status', r.status_code, 'timed_out', r.timed_out,
        'error', left(r.error_msg, 300)) order by i.invoked_at desc), '[]')
  into v_failures
  from private.job_invocations i
  join net._http_response r on r.id = i.request_id
  where i.invoked_at > now() - interval '24 hours'
    and (r.status_code is null or r.status_code not between 200 and 299);
  check_name := 'edge_function_calls_succeeded';
  ok := not jsonb_path_exists(v_latest,
    '$[*] ? (@.status == null || @.status < 200 || @.status > 299)');
  detail := jsonb_build_object('latest_calls', v_latest, 'failed_calls', v_failures);
  return next;
end;
$$;

create function private.audit_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_anchors jsonb := private.audit_anchor_status();
  v_owner_members jsonb;
begin
  check_name := 'audit_anchors_published';
  ok := coalesce((v_anchors ->> 'oldest_pending_at')::timestamptz > now() - interval '1 hour',
    true);
  detail := v_anchors;
  return next;

  -- The trail's owner role is NOLOGIN and has no members; `postgres` (CREATEROLE) could grant
  -- it to itself, which is what this check catches between verifications.
  select coalesce(jsonb_agg(m.member::regrole::text order by 1), '[]') into v_owner_members
  from pg_catalog.pg_auth_members m
  where m.roleid = 'cluso_audit_owner'::regrole;
  check_name := 'audit_owner_unused';
  ok := jsonb_array_length(v_owner_members) = 0
    and not (select r.rolcanlogin from pg_catalog.pg_roles r where r.rolname = 'cluso_audit_owner');
  detail := jsonb_build_object('members', v_owner_members);
  return next;
end;
$$;

insert into private.job_health_checks (check_function, position) values
  ('private.storage_removal_health()', 10),
  ('private.account_erasure_health()', 20),
  ('private.job_runs_health()', 30),
  ('private.audit_health()', 40);

create or replace function private.job_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_check regprocedure;
begin
  for v_check in
    select c.check_function from private.job_health_checks c
    order by c.position, c.check_function::text
  loop
    return query execute format('select * from %s', v_check);
  end loop;
end;
$$;

revoke all on function
  private.storage_removal_health(),
  private.account_erasure_health(),
  private.job_runs_health(),
  private.audit_health()
from public, anon, authenticated, service_role;
