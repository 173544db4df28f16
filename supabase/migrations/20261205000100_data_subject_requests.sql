-- The data-subject request ledger (docs/DATA_SUBJECT_RIGHTS.md): every request a data subject
-- makes under the GDPR or the CCPA (access, portability, erasure, rectification; about an account
-- holder or a survey respondent) is one row, with when it arrived, when it is due under its
-- regime and when it was completed. The ledger is the record the CCPA asks to keep for 24 months,
-- so it holds ids and codes only: never a name, an email or a respondent's reference (only a
-- SHA-256 hash of it), and once an account is erased not even its id. Account erasure requests are
-- recorded here as they open and close (audited by the erasure's own events). Job
-- health turns red a week before any request's deadline; private.dsr_status() answers the
-- figures a report generator needs. Closed requests leave 24 months after closing, through the
-- daily Edge Function `dsr-ledger-purge`.

-- ---------------------------------------------------------------------------------------------
-- Audit actions of the capability (the one list, as 20261202000200 keeps it, plus the ledger's)
-- ---------------------------------------------------------------------------------------------
grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

alter table audit.events drop constraint events_action_check;
alter table audit.events add constraint events_action_check check (action in (
  'survey.soft_deleted', 'survey.restored', 'survey.purged', 'storage_object.removed',
  'membership.removed', 'invitation.removed', 'organization.deleted',
  'organization.owner_transferred', 'account.erasure_requested', 'account.erasure_cancelled',
  'account.erased', 'content.overwritten', 'audit.chain_head_restored',
  'security_report.received', 'security_report.acknowledged', 'security_report.status_changed',
  'security_report.note_added', 'security_report.closed', 'security_report.purged',
  'recording_access.partition_dropped',
  'incident.opened', 'incident.scoped', 'incident.notified', 'incident.note_added',
  'incident.preventive_measure_added', 'incident.closed', 'incident.sessions_revoked',
  'incident.organization_suspended', 'incident.organization_reinstated',
  'data_subject_request.received', 'data_subject_request.extended',
  'data_subject_request.completed', 'data_subject_request.purged'
));

reset role;
revoke cluso_audit_owner from postgres;

-- ---------------------------------------------------------------------------------------------
-- Deadlines: instants computed in UTC, so the same whatever the session's TimeZone (PostgREST
-- lets a client set it; a month or 45 days added in a zone with daylight saving moves the
-- instant by an hour)
-- ---------------------------------------------------------------------------------------------

-- GDPR Art. 12(3): one month, extendable by two further months. A month from the 31st ends on
-- the last day of a shorter month (PostgreSQL's month arithmetic, as Regulation 1182/71 counts).
-- CCPA (Cal. Code Regs. tit. 11, § 7021): 45 calendar days, extendable once by 45 more.
create function private.dsr_due_at(p_regime text, p_received_at timestamptz, p_extended boolean)
returns timestamptz
language sql
immutable
strict
set search_path = ''
as $$
  select case p_regime
    when 'GDPR' then
      ((p_received_at at time zone 'UTC') + interval '1 month'
        + case when p_extended then interval '2 months' else interval '0' end) at time zone 'UTC'
    when 'CCPA' then
      ((p_received_at at time zone 'UTC') + interval '45 days'
        + case when p_extended then interval '45 days' else interval '0' end) at time zone 'UTC'
  end;
$$;

-- How long before its deadline an open request counts as due soon (job health turns red).
create function private.dsr_due_soon_window()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '7 days';
$$;

-- ---------------------------------------------------------------------------------------------
-- The ledger: private, deny-all (no policy, no grant)
-- ---------------------------------------------------------------------------------------------
create table private.dsr_requests (
  id uuid primary key default gen_random_uuid(),
  -- What the requester quotes back; random, so it tells nothing about other requests.
  ref text not null unique check (ref ~ '^DSR-[0-9A-F]{12}$'),
  request_type text not null
    check (request_type in ('access', 'portability', 'erasure', 'rectification')),
  subject_kind text not null check (subject_kind in ('account', 'respondent')),
  regime text not null check (regime in ('GDPR', 'CCPA')),
  -- Where the request came from (a code) and the row that carries it out, if any.
  source text not null
    check (source in ('data_export', 'account_erasure', 'auth_user_deleted', 'respondent_request')),
  source_id uuid,
  -- Who asked: the account holder, or the organisation admin acting for a respondent (null when
  -- the platform deleted the user). No foreign key: the ledger outlives the accounts it names,
  -- and an erased account's id is cleared from it (private.dsr_forget_user).
  requested_by uuid,
  -- The subject: an account holder's user id, or an organisation and the SHA-256 hash of the
  -- reference it uses for the respondent (never the reference itself).
  subject_user_id uuid,
  subject_org_id uuid,
  subject_respondent_hash text check (subject_respondent_hash ~ '^[0-9a-f]{64}$'),
  subject_key text generated always as (
    coalesce(subject_user_id::text, subject_org_id::text || ':' || subject_respondent_hash)
  ) stored,
  received_at timestamptz not null,
  due_at timestamptz not null,
  extended_at timestamptz,
  extension_reason text
    check (extension_reason in ('complexity', 'number_of_requests', 'reasonably_necessary')),
  state text not null default 'open' check (state in ('open', 'completed', 'withdrawn')),
  closed_at timestamptz,
  -- What was done, per category (counts only), and where the audit trail records the completion.
  outcome jsonb,
  audit_chain_id uuid,
  audit_seq bigint,
  -- An open request names its subject; a closed one may have forgotten it.
  check (subject_kind = 'account' or subject_user_id is null),
  check (subject_kind <> 'account' or state <> 'open' or subject_user_id is not null),
  check (subject_kind <> 'respondent' or state <> 'open'
    or (subject_org_id is not null and subject_respondent_hash is not null)),
  check ((extended_at is null) = (extension_reason is null)),
  check (due_at = private.dsr_due_at(regime, received_at, extended_at is not null)),
  check ((state = 'open') = (closed_at is null)),
  check ((state = 'completed') = (outcome is not null))
);
-- One open request per type and subject: a second one is a duplicate.
create unique index dsr_requests_open_subject_idx on private.dsr_requests
  (request_type, subject_key) where state = 'open';
create index dsr_requests_open_due_idx on private.dsr_requests (due_at) where state = 'open';
create index dsr_requests_closed_idx on private.dsr_requests (closed_at) where state <> 'open';
create index dsr_requests_source_idx on private.dsr_requests (source_id);
alter table private.dsr_requests enable row level security;
alter table private.dsr_requests force row level security;
revoke all on private.dsr_requests from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Lifecycle
-- ---------------------------------------------------------------------------------------------

-- Opens a request received now, audited unless the caller audits it itself (p_audit false). A
-- second open request of the same type for the same subject is refused with PT409 naming the
-- open one's reference and deadline (nothing is written).
create function private.dsr_open(
  p_type text,
  p_subject_kind text,
  p_regime text,
  p_source text,
  p_requested_by uuid,
  p_subject_user_id uuid default null,
  p_subject_org_id uuid default null,
  p_subject_respondent_hash text default null,
  p_source_id uuid default null,
  p_audit boolean default true
)
returns private.dsr_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_row private.dsr_requests;
  v_open private.dsr_requests;
begin
  if p_regime is null or p_regime not in ('GDPR', 'CCPA') then
    raise exception 'regime must be GDPR or CCPA' using errcode = '22023';
  end if;
  insert into private.dsr_requests (ref, request_type, subject_kind, regime, source, source_id,
    requested_by, subject_user_id, subject_org_id, subject_respondent_hash, received_at, due_at)
  values ('DSR-' || upper(left(replace(gen_random_uuid()::text, '-', ''), 12)), p_type,
    p_subject_kind, p_regime, p_source, p_source_id, p_requested_by, p_subject_user_id,
    p_subject_org_id, p_subject_respondent_hash, v_now,
    private.dsr_due_at(p_regime, v_now, false))
  on conflict (request_type, subject_key) where state = 'open' do nothing
  returning * into v_row;
  if v_row.id is null then
    select * into v_open from private.dsr_requests r
    where r.request_type = p_type and r.state = 'open'
      and r.subject_key = coalesce(p_subject_user_id::text,
        p_subject_org_id::text || ':' || p_subject_respondent_hash);
    raise exception 'a % request for this subject is already open (%, due %)',
      p_type, v_open.ref, v_open.due_at using errcode = 'PT409';
  end if;
  if not p_audit then
    return v_row;
  end if;
  perform audit.record_event('data_subject_request.received', p_subject_org_id,
    'private.dsr_requests', v_row.id::text, p_type || '_' || lower(p_regime), '{}',
    p_actor_id => p_requested_by,
    -- Nobody asked in person when the platform deleted the user: the source is the actor.
    p_actor_job => case when p_requested_by is null then p_source end);
  return v_row;
end;
$$;

-- Ops extend an open request once, before its deadline, with a reason code (GDPR: complexity or
-- number of requests; CCPA: reasonably necessary). Answers the new deadline. The requester must
-- be told within the first period (docs/DATA_SUBJECT_RIGHTS.md).
create function private.dsr_extend(p_ref text, p_reason text)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row private.dsr_requests;
begin
  if p_reason is null
    or p_reason not in ('complexity', 'number_of_requests', 'reasonably_necessary') then
    raise exception 'reason must be complexity, number_of_requests or reasonably_necessary'
      using errcode = '22023';
  end if;
  select * into v_row from private.dsr_requests r where r.ref = upper(trim(p_ref)) for update;
  if v_row.id is null then
    raise exception 'no data-subject request has this reference' using errcode = 'P0002';
  end if;
  if v_row.state <> 'open' then
    raise exception 'this request is closed' using errcode = '55000';
  end if;
  if v_row.extended_at is not null then
    raise exception 'this request has already been extended' using errcode = '55000';
  end if;
  if private.current_time() >= v_row.due_at then
    raise exception 'the deadline has passed: a request is extended before it is due'
      using errcode = '55000';
  end if;
  update private.dsr_requests r
  set extended_at = private.current_time(), extension_reason = p_reason,
      due_at = private.dsr_due_at(r.regime, r.received_at, true)
  where r.id = v_row.id
  returning * into v_row;
  perform audit.record_event('data_subject_request.extended', v_row.subject_org_id,
    'private.dsr_requests', v_row.id::text, p_reason, '{}', p_actor_job => 'dsr_ops');
  return v_row.due_at;
end;
$$;

-- Completes an open request: records what was done (counts per category: a flat object of
-- non-negative integers, so nothing personal can ride along) and the audit event that records
-- the completion: p_audit_event when the work already audited it (an account's erasure), else a
-- new data_subject_request.completed event (reason <type>_<regime>, the counts and whether it
-- was within the deadline). Answers the completed row.
create function private.dsr_complete(
  p_id uuid, p_counts jsonb, p_actor_job text, p_audit_event audit.events default null
)
returns private.dsr_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row private.dsr_requests;
  v_event audit.events;
begin
  if p_counts is null or jsonb_typeof(p_counts) <> 'object' or exists (
    select 1 from jsonb_each(p_counts) c(k, v)
    where k !~ '^[a-z_]{1,64}$' or jsonb_typeof(v) <> 'number' or v::numeric < 0
      or v::numeric <> trunc(v::numeric)
  ) then
    raise exception 'counts are an object of category codes and non-negative integers'
      using errcode = '22023';
  end if;
  select * into v_row from private.dsr_requests r where r.id = p_id for update;
  if v_row.id is null or v_row.state <> 'open' then
    raise exception 'no open data-subject request has this id' using errcode = 'P0002';
  end if;
  v_event := coalesce(p_audit_event, audit.record_event('data_subject_request.completed',
    v_row.subject_org_id,
    'private.dsr_requests', v_row.id::text, v_row.request_type || '_' || lower(v_row.regime),
    p_counts || jsonb_build_object('within_deadline', private.current_time() <= v_row.due_at),
    p_actor_job => p_actor_job));
  update private.dsr_requests r
  set state = 'completed', closed_at = private.current_time(), outcome = p_counts,
      audit_chain_id = v_event.chain_id, audit_seq = v_event.seq
  where r.id = v_row.id
  returning * into v_row;
  return v_row;
end;
$$;

-- Closes an open request the requester withdrew (a cancelled account erasure: audited by the
-- erasure as account.erasure_cancelled).
create function private.dsr_withdraw(p_id uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.dsr_requests r
  set state = 'withdrawn', closed_at = private.current_time()
  where r.id = p_id and r.state = 'open';
$$;

-- An erased account leaves no id behind in the ledger: its open requests close as withdrawn
-- (nobody is left to answer), and every entry that named it as subject or requester keeps only
-- its reference, codes and instants.
create function private.dsr_forget_user(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update private.dsr_requests r
  set state = 'withdrawn', closed_at = private.current_time()
  where r.state = 'open' and (r.subject_user_id = p_user_id or r.requested_by = p_user_id);
  update private.dsr_requests r
  set subject_user_id = null,
      requested_by = case when r.requested_by = p_user_id then null else r.requested_by end
  where r.subject_user_id = p_user_id;
  update private.dsr_requests r set requested_by = null where r.requested_by = p_user_id;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Account erasure requests are data-subject requests (GDPR, the stricter deadline): recorded as
-- they open; completed when the erasure job deletes a claimed request at its last step (with the
-- counts and the audit position of its account.erased event), after which the ledger forgets
-- the user's id; withdrawn when a pending one is cancelled. The erasure audits every step itself.
-- ---------------------------------------------------------------------------------------------
create function private.dsr_follow_account_erasure()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ledger_id uuid;
  v_erased audit.events;
begin
  if tg_op = 'INSERT' then
    -- An erasure already open in the ledger (a platform deletion following a user's own
    -- request) is the same request: never block the deletion on a duplicate.
    if not exists (select 1 from private.dsr_requests r
                   where r.request_type = 'erasure' and r.state = 'open'
                     and r.subject_key = new.user_id::text) then
      perform private.dsr_open('erasure', 'account', 'GDPR',
        case new.origin when 'user_request' then 'account_erasure' else 'auth_user_deleted' end,
        case new.origin when 'user_request' then new.user_id end,
        p_subject_user_id => new.user_id, p_source_id => new.id, p_audit => false);
    end if;
    return null;
  end if;

  select r.id into v_ledger_id from private.dsr_requests r
  where r.request_type = 'erasure' and r.state = 'open' and r.subject_key = old.user_id::text;
  if v_ledger_id is null then
    return null;
  end if;
  if old.status = 'in_progress' and old.step = 'erase_user' then
    -- The erasure's own event, recorded just before it deletes the request.
    select * into v_erased from audit.events e
    where e.action = 'account.erased' and e.target_id = old.user_id::text
    order by e.occurred_at desc, e.seq desc
    limit 1;
    perform private.dsr_complete(v_ledger_id,
      coalesce((select jsonb_object_agg(d.k, d.v) from jsonb_each(v_erased.details) d(k, v)
                where jsonb_typeof(d.v) = 'number'), '{}'),
      'account_erasure', case when v_erased.seq is not null then v_erased end);
    perform private.dsr_forget_user(old.user_id);
  else
    perform private.dsr_withdraw(v_ledger_id);
  end if;
  return null;
end;
$$;

create trigger dsr_follow_account_erasure
after insert or delete on private.account_erasure_requests
for each row execute function private.dsr_follow_account_erasure();

-- ---------------------------------------------------------------------------------------------
-- Reporting and health (no personal data: references, codes and instants)
-- ---------------------------------------------------------------------------------------------

-- {"open", "overdue", "due_soon", "items": [{"ref", "type", "regime", "received_at", "due_at",
-- "state"}]}: every request in the ledger (the last 24 months), open ones first by deadline.
-- An item's state is completed or withdrawn once closed, else overdue, due_soon or open.
create function private.dsr_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with classified as (
    select r.*, case
        when r.state <> 'open' then r.state
        when r.due_at <= private.current_time() then 'overdue'
        when r.due_at <= private.current_time() + private.dsr_due_soon_window() then 'due_soon'
        else 'open'
      end as report_state
    from private.dsr_requests r
  )
  select jsonb_build_object(
    'open', count(*) filter (where c.state = 'open'),
    'overdue', count(*) filter (where c.report_state = 'overdue'),
    'due_soon', count(*) filter (where c.report_state = 'due_soon'),
    'items', coalesce(jsonb_agg(jsonb_build_object('ref', c.ref, 'type', c.request_type,
        'regime', c.regime, 'received_at', c.received_at, 'due_at', c.due_at,
        'state', c.report_state)
      order by c.state <> 'open', c.due_at, c.ref), '[]'))
  from classified c;
$$;

create function private.dsr_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_near jsonb;
begin
  select coalesce(jsonb_agg(jsonb_build_object('ref', r.ref, 'type', r.request_type,
      'regime', r.regime, 'due_at', r.due_at) order by r.due_at), '[]')
  into v_near
  from private.dsr_requests r
  where r.state = 'open'
    and r.due_at <= private.current_time() + private.dsr_due_soon_window();
  check_name := 'data_subject_requests_within_deadline';
  ok := jsonb_array_length(v_near) = 0;
  detail := jsonb_build_object('due_within_7_days_or_overdue', v_near);
  return next;
end;
$$;

insert into private.job_health_checks (check_function, position) values
  ('private.dsr_health()', 70);

-- ---------------------------------------------------------------------------------------------
-- Retention: closed requests leave 24 months after closing (counted in UTC), p_limit per call,
-- each audited by id; open requests always stay.
-- ---------------------------------------------------------------------------------------------
create function private.dsr_ledger_purge(p_limit integer default 1000)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cutoff timestamptz :=
    ((private.current_time() at time zone 'UTC') - interval '24 months') at time zone 'UTC';
  v_purged uuid[];
begin
  with purged as (
    delete from private.dsr_requests r
    where r.id in (select c.id from private.dsr_requests c
                   where c.state <> 'open' and c.closed_at < v_cutoff
                   order by c.closed_at limit p_limit)
    returning r.id
  )
  select array_agg(p.id order by p.id) into v_purged from purged p;
  if v_purged is not null then
    perform audit.record_events('data_subject_request.purged', 'private.dsr_requests',
      'retention_expired', array(select null::uuid from unnest(v_purged)),
      array(select i::text from unnest(v_purged) i), p_actor_job => 'dsr_ledger_purge');
  end if;
  return jsonb_build_object('requests_purged', coalesce(cardinality(v_purged), 0));
end;
$$;

revoke all on function
  private.dsr_due_at(text, timestamptz, boolean),
  private.dsr_due_soon_window(),
  private.dsr_open(text, text, text, text, uuid, uuid, uuid, text, uuid, boolean),
  private.dsr_extend(text, text),
  private.dsr_complete(uuid, jsonb, text, audit.events),
  private.dsr_withdraw(uuid),
  private.dsr_forget_user(uuid),
  private.dsr_follow_account_erasure(),
  private.dsr_status(),
  private.dsr_health(),
  private.dsr_ledger_purge(integer)
from public, anon, authenticated, service_role;

-- Daily, through the Edge Function `dsr-ledger-purge` (the job runtime: batches against a
-- deadline, a report per run, failures in job health).
select cron.schedule('cluso-dsr-ledger-purge', '47 3 * * *',
  $$select private.job_invoke('dsr-ledger-purge')$$);
