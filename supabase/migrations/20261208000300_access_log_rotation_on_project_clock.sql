-- The recording access log's rotation runs on the project's clock, whatever date it is given.
--
-- audit.recording_access_rotate(p_now) (20261201000200_recording_access_log) keeps partitions
-- from p_now's month on and drops every partition that ended 13 months or more before it. It is
-- granted to postgres, the role ops use, so `select audit.recording_access_rotate('2100-01-01')`
-- dropped the whole log, the evidence an incident's scope is computed from, in one call: only
-- its partition_dropped events were left. It now rotates for the earlier of p_now and
-- private.current_time() (now(), or the test clock on a test cluster): a date in the past still
-- drops less, a date in the future no more than the daily job would. Creating partitions ahead
-- follows the same month.

grant cluso_audit_owner to postgres;
-- The function runs as its owner, the trail's owner, which reads the clock.
grant execute on function private.current_time(), private.test_clock_enabled() to cluso_audit_owner;
set role cluso_audit_owner;

create or replace function audit.recording_access_rotate(p_now timestamptz)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- Never later than the project's clock: a date in the future must not drop the log early.
  v_month date := date_trunc('month', least(p_now, private.current_time()) at time zone 'UTC')::date;
  v_cutoff timestamptz := (v_month - interval '13 months') at time zone 'UTC';
  v_part record;
  v_rows bigint;
  v_created text[] := '{}';
  v_dropped text[] := '{}';
begin
  for i in 0..3 loop
    if to_regclass('audit.recording_access_' || to_char(v_month + make_interval(months => i),
        'YYYY_MM')) is null then
      v_created := v_created
        || audit.recording_access_ensure_partition((v_month + make_interval(months => i))::date);
    end if;
  end loop;

  for v_part in
    select c.relname::text as name, b.bounds[1]::timestamptz as lower_bound,
      b.bounds[2]::timestamptz as upper_bound
    from pg_catalog.pg_inherits i
    join pg_catalog.pg_class c on c.oid = i.inhrelid
    cross join lateral regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
      'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') as b(bounds)
    where i.inhparent = 'audit.recording_access'::regclass
    order by 3
  loop
    exit when v_part.upper_bound > v_cutoff;
    select count(*) into v_rows from audit.recording_access a
    where a.accessed_at >= v_part.lower_bound and a.accessed_at < v_part.upper_bound;
    execute format('drop table audit.%I', v_part.name);
    perform audit.record_event('recording_access.partition_dropped', null,
      'audit.recording_access', v_part.name, 'retention',
      jsonb_build_object('rows', v_rows,
        'ended_at_epoch', extract(epoch from v_part.upper_bound)::bigint),
      p_actor_job => 'recording_access_retention');
    v_dropped := v_dropped || v_part.name;
  end loop;
  return jsonb_build_object('created', to_jsonb(v_created), 'dropped', to_jsonb(v_dropped));
end;
$$;

reset role;
revoke cluso_audit_owner from postgres;
