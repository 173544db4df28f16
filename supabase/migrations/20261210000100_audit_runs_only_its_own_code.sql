-- Code that runs as the trail's owner is the trail's owner's own.
--
-- audit.recording_access_rotate() and audit.log_recording_access() run as cluso_audit_owner
-- (security definer) and called private.current_time() (with private.test_clock_enabled()) and
-- private.is_recording_object_name(). Those are SECURITY INVOKER functions owned by postgres, so
-- they ran with the owner's rights, and postgres, which ops use and which must never hold those
-- rights (docs/AUDIT.md), could `create or replace` one of them with code that disables the
-- trail's triggers, deletes events and rewinds a chain head: it ran on the next daily rotation,
-- or inside any member's request for a recording, with no role granted, so the owner-membership
-- alarm (audit_owner_unused) stayed green. The trigger that queues each moved chain head for
-- anchoring was the same hole: it fired private.queue_audit_anchor(), owned by postgres, inside
-- every append the owner makes; SECURITY DEFINER did not close it, since postgres could redefine
-- the function as SECURITY INVOKER. A trigger's function is not checked for EXECUTE when it
-- fires, so no revoke closes that either.
--
-- So the owner's code is now all its own:
-- * the two checks have copies in the audit schema, owned by cluso_audit_owner;
-- * the anchor queue moves into the audit schema as audit.anchor_queue, owned by the owner, and
--   is filled by audit.queue_anchor(), the owner's own trigger function (a table another role
--   owns could carry that role's triggers, which would fire as the owner too). The jobs, which
--   publish the queue as postgres, read and settle it as before through the view
--   private.audit_anchors, with SELECT, UPDATE and DELETE on the table;
-- * the owner loses EXECUTE on the private functions and USAGE on the private schema: a future
--   audit function that calls into private fails instead of running someone else's code.
--
-- Not closed here: on hosted Supabase, supautils lets postgres create event triggers, which run
-- with the rights of whoever runs the DDL; the daily rotation's partition DDL runs as the owner.
-- A guard that refuses while such a trigger exists would stop the rotation on projects whose
-- platform event triggers postgres owns, and a trigger created and dropped while the DDL waits
-- escapes any check. docs/AUDIT.md, "Not covered", says what would close it.
-- 12_audit_append_only AUD-067..AUD-072 pin all of this.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

-- The project's clock, as private.current_time() reads it: now(), or on a test cluster (a
-- server setting, cluster_name, which no role of the project can change) the test clock set by
-- a test's session. Requests through the API and Storage never move it.
create function audit.project_time()
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select case
    when current_setting('cluster_name') = 'cluso-test-clock'
      and session_user not in ('authenticator', 'supabase_storage_admin')
    then coalesce(nullif(current_setting('cluso.now', true), '')::timestamptz, now())
    else now()
  end;
$$;

-- The same test as private.is_recording_object_name(): an ids-only recording object name,
-- org/survey/response/recording.<audio extension>.
create function audit.is_recording_object_name(p_name text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_name ~ ('^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/){3}'
    || '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(webm|ogg|mp3|m4a|wav)$');
$$;

revoke all on function audit.project_time(), audit.is_recording_object_name(text) from public;

-- As in 20261208000300, with the clock above.
create or replace function audit.recording_access_rotate(p_now timestamptz)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- Never later than the project's clock: a date in the future must not drop the log early.
  v_month date := date_trunc('month', least(p_now, audit.project_time()) at time zone 'UTC')::date;
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

-- As in 20261201000200, with the name check above.
create or replace function audit.log_recording_access(
  p_access_path text,
  p_user_id uuid,
  p_org_ids uuid[],
  p_survey_ids uuid[],
  p_response_ids uuid[],
  p_recording_ids uuid[],
  p_object_names text[]
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_header_request text := nullif(current_setting('request.headers', true), '')::jsonb
    ->> 'x-request-id';
  v_request text := coalesce(
    case when v_header_request
      ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then lower(v_header_request) end,
    'tx:' || pg_current_xact_id()::text);
  v_n integer;
begin
  if exists (select 1 from unnest(p_object_names) n where not audit.is_recording_object_name(n))
  then
    raise exception 'the recording access log holds ids-only object names'
      using errcode = '22023';
  end if;
  insert into audit.recording_access (user_id, org_id, survey_id, response_id, recording_id,
    object_name, access_path, request_id)
  select p_user_id, x.org_id, x.survey_id, x.response_id, x.recording_id, x.object_name,
    p_access_path, v_request
  from unnest(p_org_ids, p_survey_ids, p_response_ids, p_recording_ids, p_object_names)
    as x(org_id, survey_id, response_id, recording_id, object_name);
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;

-- The anchor queue, the owner's: moved with its rows, indexes and identity.
-- A new owner needs CREATE on the table's schema: lent for the move.
reset role;
grant create on schema private to cluso_audit_owner;
alter table private.audit_anchors owner to cluso_audit_owner;
set role cluso_audit_owner;
alter table private.audit_anchors set schema audit;
alter table audit.audit_anchors rename to anchor_queue;
comment on table audit.anchor_queue is
  'Chain heads waiting to be published to the anchor sink (docs/AUDIT.md, "Anchoring").';

-- As private.queue_audit_anchor() (20261129000900): one waiting anchor per chain, moved forward
-- by each new head; an anchor already sent once is never changed.
create function audit.queue_anchor()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  insert into audit.anchor_queue as a (chain_id, heads)
  select h.chain_id, jsonb_build_array(jsonb_build_object('chain_id', h.chain_id, 'seq', h.seq,
    'hash', encode(h.hash, 'hex')))
  from new_heads h
  order by h.chain_id
  on conflict (chain_id) where published_at is null and leased_until is null and attempts = 0
  do update set heads = excluded.heads;
  return null;
end;
$$;
revoke all on function audit.queue_anchor() from public;

drop trigger chain_heads_queue_anchor on audit.chain_heads;
create trigger chain_heads_queue_anchor after update on audit.chain_heads
  referencing new table as new_heads
  for each statement execute function audit.queue_anchor();

-- The jobs publish and settle anchors, and ops may clear a stuck one; nobody else touches it.
revoke all on audit.anchor_queue from public, anon, authenticated, service_role;
grant select, update, delete on audit.anchor_queue to postgres;
reset role;

drop function private.queue_audit_anchor();

-- Under its old name for the jobs' functions, the job summary and ops: a plain view, run with
-- its owner's (postgres's) rights, so nothing of it runs as the trail's owner.
create view private.audit_anchors as select * from audit.anchor_queue;
comment on view private.audit_anchors is
  'audit.anchor_queue, where the jobs read and settle the anchors to publish.';
revoke all on private.audit_anchors from public, anon, authenticated, service_role;

revoke execute on function private.current_time(), private.test_clock_enabled(),
  private.is_recording_object_name(text) from cluso_audit_owner;
revoke create, usage on schema private from cluso_audit_owner;

revoke cluso_audit_owner from postgres;
