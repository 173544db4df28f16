-- Recording access log: every grant of access to a recording (a signed download URL, one
-- recording or a survey's playlist) or to upload one (a signed upload URL) is one row, so that
-- after a breach the project can say who heard what. See docs/RECORDING_ACCESS.md.
--
-- * It lives beside the audit trail in schema `audit`, owned by the NOLOGIN role
--   cluso_audit_owner: no application, job or operator role owns it, nobody holds UPDATE,
--   DELETE or TRUNCATE on it, and triggers refuse them even for the owner. Rows are only added,
--   through audit.log_recording_access().
-- * Ids, a path code and the request id only: no names, emails or IP addresses.
-- * Partitioned by month. Kept 13 months: private.recording_access_retention() (daily, Supabase
--   Cron) creates the coming months' partitions and drops whole partitions older than that,
--   recording each drop in the audit trail (recording_access.partition_dropped).

grant cluso_audit_owner to postgres;
-- The log accepts ids-only object names only.
grant execute on function private.is_recording_object_name(text) to cluso_audit_owner;

-- The new audit action, added to the one list of actions.
set role cluso_audit_owner;
alter table audit.events drop constraint events_action_check;
alter table audit.events add constraint events_action_check check (action in (
  'survey.soft_deleted', 'survey.restored', 'survey.purged', 'storage_object.removed',
  'membership.removed', 'invitation.removed', 'organization.deleted',
  'organization.owner_transferred', 'account.erasure_requested', 'account.erasure_cancelled',
  'account.erased', 'content.overwritten', 'audit.chain_head_restored',
  'recording_access.partition_dropped'
));

create table audit.recording_access (
  accessed_at timestamptz not null default clock_timestamp(),
  user_id uuid not null,
  org_id uuid not null,
  survey_id uuid not null,
  response_id uuid not null,
  -- Null for an upload grant: the recording row is written after the upload.
  recording_id uuid,
  -- The object the grant covers (ids only: private.is_recording_object_name).
  object_name text not null check (char_length(object_name) <= 200),
  access_path text not null check (access_path in ('single', 'playlist', 'upload')),
  -- The caller's x-request-id when it is a uuid, else the transaction's id ('tx:<xid>').
  request_id text not null check (char_length(request_id) <= 64)
) partition by range (accessed_at);
comment on table audit.recording_access is
  'Append-only log of every recording access grant; monthly partitions kept 13 months.';
-- "Everything user X accessed between T1 and T2": one index range scan per partition touched.
create index recording_access_user_time_idx on audit.recording_access (user_id, accessed_at);
-- "Who accessed this survey's recordings": the breach report per organisation.
create index recording_access_org_time_idx on audit.recording_access (org_id, survey_id, accessed_at);
alter table audit.recording_access enable row level security;
alter table audit.recording_access force row level security;
revoke all on audit.recording_access from public;
grant select on audit.recording_access to postgres, service_role;
-- RLS is forced, so even the owner's own functions need a policy (naming user_id, so the
-- catalog checks see it): they append, and count a
-- partition before dropping it. postgres and service_role read through BYPASSRLS.
create policy recording_access_owner_appends on audit.recording_access for insert
  to cluso_audit_owner with check (user_id is not null);
create policy recording_access_owner_reads on audit.recording_access for select
  to cluso_audit_owner using (user_id is not null);

-- Row triggers on a partitioned table reach every partition; TRUNCATE triggers do not, so each
-- partition gets its own (audit.recording_access_ensure_partitions).
create trigger recording_access_append_only before update or delete on audit.recording_access
  for each row execute function audit.refuse_change();
create trigger recording_access_no_truncate before truncate on audit.recording_access
  for each statement execute function audit.refuse_change();

-- The partition of the month that starts at p_month, created if missing.
create function audit.recording_access_ensure_partition(p_month date)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_name text := 'recording_access_' || to_char(p_month, 'YYYY_MM');
begin
  if to_regclass('audit.' || v_name) is null then
    execute format(
      'create table audit.%I partition of audit.recording_access for values from (%L) to (%L)',
      v_name, p_month::timestamp at time zone 'UTC',
      (p_month + interval '1 month') at time zone 'UTC');
    execute format('alter table audit.%I enable row level security, force row level security',
      v_name);
    execute format('revoke all on audit.%I from public', v_name);
    execute format('create trigger recording_access_no_truncate before truncate on audit.%I '
      'for each statement execute function audit.refuse_change()', v_name);
  end if;
  return v_name;
end;
$$;

-- Keeps the log's shape for the month of p_now: partitions exist from p_now's month to three
-- months ahead, and every partition that ends 13 months or more before p_now's month is
-- dropped whole, each drop recorded in the audit trail. Returns what it did.
create function audit.recording_access_rotate(p_now timestamptz)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_month date := date_trunc('month', p_now at time zone 'UTC')::date;
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

-- Appends one grant row per object. Only ids-only recording object names are accepted, so the
-- log can never carry personal content.
create function audit.log_recording_access(
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
  if exists (select 1 from unnest(p_object_names) n where not private.is_recording_object_name(n))
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

revoke all on function
  audit.recording_access_ensure_partition(date),
  audit.recording_access_rotate(timestamptz),
  audit.log_recording_access(text, uuid, uuid[], uuid[], uuid[], uuid[], text[])
from public;
grant execute on function
  audit.recording_access_rotate(timestamptz),
  audit.log_recording_access(text, uuid, uuid[], uuid[], uuid[], uuid[], text[])
to postgres;

-- The months before this migration's own (13 of them, for data restored or back-filled) and
-- the coming ones.
select audit.recording_access_ensure_partition(
  (date_trunc('month', now() at time zone 'UTC') + make_interval(months => m))::date)
from generate_series(-13, 3) m;

reset role;
revoke cluso_audit_owner from postgres;

-- The daily job: rotates the partitions on the project's clock.
create function private.recording_access_retention()
returns jsonb
language sql
security definer
set search_path = ''
as $$
  select audit.recording_access_rotate(private.current_time());
$$;

-- Everything one user was granted between p_from and p_to, newest first: the breach query.
create function private.recording_access_by_user(
  p_user_id uuid, p_from timestamptz, p_to timestamptz
)
returns setof audit.recording_access
language sql
stable
security definer
set search_path = ''
as $$
  select * from audit.recording_access a
  where a.user_id = p_user_id and a.accessed_at >= p_from and a.accessed_at < p_to
  order by a.accessed_at desc;
$$;

-- Healthy while next month's partition exists (a grant never finds no partition) and no
-- partition is older than the retention (the drop ran).
create function private.recording_access_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_month date := date_trunc('month', private.current_time() at time zone 'UTC')::date;
  v_next text := 'recording_access_' || to_char(v_month + interval '1 month', 'YYYY_MM');
  v_oldest text;
begin
  check_name := 'recording_access_partitions_ahead';
  ok := to_regclass('audit.' || v_next) is not null;
  detail := jsonb_build_object('next_partition', v_next);
  return next;

  select min(c.relname) into v_oldest
  from pg_catalog.pg_inherits i
  join pg_catalog.pg_class c on c.oid = i.inhrelid
  where i.inhparent = 'audit.recording_access'::regclass;
  check_name := 'recording_access_retention_kept';
  -- One day of grace after the month turns, for the daily run.
  ok := v_oldest is null or v_oldest >= 'recording_access_'
    || to_char((private.current_time() - interval '1 day') at time zone 'UTC'
      - interval '13 months', 'YYYY_MM');
  detail := jsonb_build_object('oldest_partition', v_oldest);
  return next;
end;
$$;

revoke all on function
  private.recording_access_retention(),
  private.recording_access_by_user(uuid, timestamptz, timestamptz),
  private.recording_access_health()
from public, anon, authenticated, service_role;

insert into private.job_health_checks (check_function, position) values
  ('private.recording_access_health()', 45);

select cron.schedule('cluso-recording-access-retention', '17 3 * * *',
  $$select private.recording_access_retention()$$);
