-- Incident response (docs/INCIDENT_RESPONSE.md): the security page promises that after a breach
-- is discovered every affected user is told within 48 hours what of their data was accessed and
-- what to do. Ops (service role only) open an incident with its detection time and a scope
-- (compromised accounts, compromised organisations, a leaked key, a time window, in any
-- combination); scoping turns it, from the membership history and the recording access log,
-- into the affected organisations (with counts per category) and users, frozen into the
-- incident; notifying queues one mail per affected user in the mail outbox, whose delivery is
-- tracked per recipient. Job health turns red when a recipient is still unnotified 36 hours
-- after detection. Every step is audited with ids, codes and counts, never a note's text.

-- ---------------------------------------------------------------------------------------------
-- Audit actions of the capability (the one list, as 20261202000200_security_reports sets it)
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
  'incident.organization_suspended', 'incident.organization_reinstated'
));

reset role;
revoke cluso_audit_owner from postgres;

-- The outbox's one list of templates gains the incident notice.
alter table private.mail_outbox drop constraint mail_outbox_template_check;
alter table private.mail_outbox add constraint mail_outbox_template_check
  check (template in ('security_report_ack', 'incident_notice'));

-- ---------------------------------------------------------------------------------------------
-- The ledger: private, deny-all (RLS forced, no policy, no grant), read through functions
-- ---------------------------------------------------------------------------------------------
create table private.incidents (
  id uuid primary key default gen_random_uuid(),
  -- What ops and the report generator quote; random, so it tells nothing about other incidents.
  reference text not null unique check (reference ~ '^IN-[0-9A-F]{12}$'),
  detected_at timestamptz not null,
  -- The promise: every affected user notified within 48 hours of detection.
  deadline timestamptz not null,
  opened_at timestamptz not null,
  -- As given, normalised: {"accounts": [...], "organizations": [...], "leaked_key": ...}.
  scope jsonb not null check (jsonb_typeof(scope) = 'object'),
  window_from timestamptz not null,
  window_to timestamptz not null,
  state text not null default 'open' check (state in ('open', 'scoped', 'notifying', 'closed')),
  scoped_at timestamptz,
  -- The frozen result's totals (the rows are in the tables below).
  summary jsonb,
  notified_at timestamptz,
  closed_at timestamptz,
  check (deadline = detected_at + interval '48 hours'),
  check (window_from < window_to),
  check ((state = 'open') = (scoped_at is null) or state = 'closed'),
  check ((scoped_at is null) = (summary is null)),
  check ((state = 'closed') = (closed_at is not null))
);
create index incidents_unclosed_idx on private.incidents (detected_at) where state <> 'closed';
alter table private.incidents enable row level security;
alter table private.incidents force row level security;
revoke all on private.incidents from public, anon, authenticated, service_role;

-- Per affected organisation: the period its data was readable through the scope, the counts per
-- category of what existed then, and why it is in scope (sources: account, organization,
-- leaked_key, window).
create table private.incident_organizations (
  incident_id uuid not null references private.incidents (id) on delete cascade,
  org_id uuid not null,
  sources text[] not null,
  readable_from timestamptz not null,
  readable_until timestamptz not null,
  surveys integer not null,
  responses integer not null,
  transcripts integer not null,
  recordings integer not null,
  recordings_accessed integer not null,
  primary key (incident_id, org_id)
);
alter table private.incident_organizations enable row level security;
alter table private.incident_organizations force row level security;
revoke all on private.incident_organizations from public, anon, authenticated, service_role;

-- The exact recordings the compromised identities were granted in the window (access log).
create table private.incident_recordings_accessed (
  incident_id uuid not null references private.incidents (id) on delete cascade,
  org_id uuid not null,
  survey_id uuid not null,
  response_id uuid not null,
  recording_id uuid not null,
  user_id uuid not null,
  first_accessed_at timestamptz not null,
  last_accessed_at timestamptz not null,
  grants integer not null,
  primary key (incident_id, org_id, recording_id, user_id)
);
alter table private.incident_recordings_accessed enable row level security;
alter table private.incident_recordings_accessed force row level security;
revoke all on private.incident_recordings_accessed
  from public, anon, authenticated, service_role;

-- One row per affected user: the notice's parameters are frozen with the scope; the mail and
-- its delivery are tracked here (delivered_at survives the outbox's 30-day purge). A user with
-- no address (an erased account) is unreachable: listed, but neither late nor blocking closure.
create table private.incident_recipients (
  incident_id uuid not null references private.incidents (id) on delete cascade,
  user_id uuid not null,
  account_compromised boolean not null,
  params jsonb not null check (jsonb_typeof(params) = 'object'),
  mail_id uuid references private.mail_outbox (id) on delete set null,
  queued_at timestamptz,
  delivered_at timestamptz,
  unreachable_at timestamptz,
  primary key (incident_id, user_id)
);
create index incident_recipients_mail_idx on private.incident_recipients (mail_id);
create index incident_recipients_pending_idx on private.incident_recipients (incident_id)
  where delivered_at is null and unreachable_at is null;
alter table private.incident_recipients enable row level security;
alter table private.incident_recipients force row level security;
revoke all on private.incident_recipients from public, anon, authenticated, service_role;

-- Investigation notes, preventive measures and containment steps, in order.
create table private.incident_entries (
  id bigint generated always as identity primary key,
  incident_id uuid not null references private.incidents (id) on delete cascade,
  kind text not null check (kind in ('note', 'preventive_measure', 'containment')),
  body text check (char_length(body) between 1 and 20000),
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  added_at timestamptz not null,
  check ((kind = 'containment') = (body is null))
);
create index incident_entries_incident_idx on private.incident_entries (incident_id, id);
alter table private.incident_entries enable row level security;
alter table private.incident_entries force row level security;
revoke all on private.incident_entries from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Shared steps
-- ---------------------------------------------------------------------------------------------

create function private.incident_audit(
  p_action text, p_incident_id uuid, p_reason text, p_details jsonb default '{}',
  p_org_id uuid default null
)
returns void
language sql
security definer
set search_path = ''
as $$
  select null from audit.record_events(p_action, 'private.incidents', p_reason,
    array[p_org_id], array[p_incident_id::text], array[p_details],
    p_actor_job => 'incident_response');
$$;

-- The incident with this reference, locked; P0002 when there is none, 55000 when it is closed
-- and p_open_only.
create function private.incident_for_update(p_reference text, p_open_only boolean default true)
returns private.incidents
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents;
begin
  select * into v_incident from private.incidents i
  where i.reference = upper(trim(p_reference)) for update;
  if v_incident.id is null then
    raise exception 'no incident has this reference' using errcode = 'P0002';
  end if;
  if p_open_only and v_incident.state = 'closed' then
    raise exception 'this incident is closed' using errcode = '55000';
  end if;
  return v_incident;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Open: detection time and scope, validated; the window defaults to the 30 days before detection
-- ---------------------------------------------------------------------------------------------
create function private.incident_open(p_detected_at timestamptz, p_scope jsonb)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_accounts uuid[];
  v_orgs uuid[];
  v_key text;
  v_from timestamptz;
  v_to timestamptz;
  v_incident private.incidents;
begin
  if p_detected_at is null then
    raise exception 'an incident needs its detection time' using errcode = '22023';
  end if;
  if p_detected_at > v_now then
    raise exception 'the detection time is in the future' using errcode = '22023';
  end if;
  if p_scope is null or jsonb_typeof(p_scope) <> 'object' then
    raise exception 'the scope is a JSON object: accounts, organizations, leaked_key, window'
      using errcode = '22023';
  end if;
  if exists (select 1 from jsonb_object_keys(p_scope) k
             where k not in ('accounts', 'organizations', 'leaked_key', 'window')) then
    raise exception 'the scope has a field other than accounts, organizations, leaked_key, window'
      using errcode = '22023';
  end if;
  if jsonb_typeof(coalesce(p_scope -> 'accounts', '[]')) <> 'array'
    or jsonb_typeof(coalesce(p_scope -> 'organizations', '[]')) <> 'array' then
    raise exception 'accounts and organizations are arrays of ids' using errcode = '22023';
  end if;
  -- Checked before the casts, whose errors would repeat the refused text.
  if exists (select 1 from jsonb_array_elements(coalesce(p_scope -> 'accounts', '[]')
               || coalesce(p_scope -> 'organizations', '[]')) x
             where jsonb_typeof(x) <> 'string' or x #>> '{}' !~*
               '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') then
    raise exception 'accounts and organizations are arrays of ids' using errcode = '22023';
  end if;
  v_accounts := array(select distinct x::uuid
    from jsonb_array_elements_text(coalesce(p_scope -> 'accounts', '[]')) x order by 1);
  v_orgs := array(select distinct x::uuid
    from jsonb_array_elements_text(coalesce(p_scope -> 'organizations', '[]')) x order by 1);
  v_key := p_scope ->> 'leaked_key';
  if v_key is not null and v_key not in ('service_role', 'jwt_secret') then
    raise exception 'leaked_key is service_role or jwt_secret' using errcode = '22023';
  end if;
  if cardinality(v_accounts) = 0 and cardinality(v_orgs) = 0 and v_key is null
    and p_scope -> 'window' is null then
    raise exception 'an incident needs a scope: compromised accounts, organizations, a leaked key or a time window'
      using errcode = '22023';
  end if;

  if p_scope -> 'window' is not null then
    if jsonb_typeof(p_scope -> 'window') <> 'object'
      or p_scope #>> '{window,from}' is null or p_scope #>> '{window,to}' is null then
      raise exception 'a window has both from and to' using errcode = '22023';
    end if;
    begin
      v_from := (p_scope #>> '{window,from}')::timestamptz;
      v_to := (p_scope #>> '{window,to}')::timestamptz;
    exception when invalid_datetime_format or datetime_field_overflow then
      raise exception 'the window''s from and to are timestamps' using errcode = '22023';
    end;
  else
    v_from := p_detected_at - interval '30 days';
    v_to := p_detected_at;
  end if;
  if v_from >= v_to then
    raise exception 'the window ends before it starts' using errcode = '22023';
  end if;
  if v_to > v_now then
    raise exception 'the window lies in the future' using errcode = '22023';
  end if;
  if v_from > p_detected_at then
    raise exception 'the window starts after the detection time' using errcode = '22023';
  end if;
  if exists (select 1 from unnest(v_accounts) a
             where not exists (select 1 from auth.users u where u.id = a)
               and not exists (select 1 from audit.membership_events e where e.user_id = a)) then
    raise exception 'a compromised account is not a known user' using errcode = '22023';
  end if;
  if exists (select 1 from unnest(v_orgs) o
             where not exists (select 1 from public.organizations g where g.id = o)
               and not exists (select 1 from audit.membership_events e where e.org_id = o)) then
    raise exception 'a compromised organization is not a known organization'
      using errcode = '22023';
  end if;

  insert into private.incidents (reference, detected_at, deadline, opened_at, scope, window_from,
    window_to)
  values ('IN-' || upper(left(replace(gen_random_uuid()::text, '-', ''), 12)), p_detected_at,
    p_detected_at + interval '48 hours', v_now,
    jsonb_strip_nulls(jsonb_build_object('accounts', to_jsonb(v_accounts),
      'organizations', to_jsonb(v_orgs), 'leaked_key', v_key,
      'window', jsonb_build_object('from', v_from, 'to', v_to))),
    v_from, v_to)
  returning * into v_incident;

  perform private.incident_audit('incident.opened', v_incident.id, 'ops_incident',
    jsonb_build_object('accounts', cardinality(v_accounts), 'organizations', cardinality(v_orgs),
      'leaked_key', v_key is not null, 'window_hours',
      round(extract(epoch from v_to - v_from) / 3600)::int));
  return v_incident.reference;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Scope: affected organisations, recordings accessed and users, computed once and frozen
-- ---------------------------------------------------------------------------------------------

-- The organisations p_user could read during [p_from, p_to], each with the part of the window
-- in which it was a member (from the membership history).
create function private.incident_account_orgs(p_user uuid, p_from timestamptz, p_to timestamptz)
returns table (org_id uuid, readable_from timestamptz, readable_until timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  with ev as (
    select e.id, e.org_id, e.event, e.occurred_at from audit.membership_events e
    where e.user_id = p_user and e.occurred_at <= p_to
  ),
  at_from as (
    select distinct on (ev.org_id) ev.org_id, ev.event from ev where ev.occurred_at <= p_from
    order by ev.org_id, ev.occurred_at desc, ev.id desc
  ),
  at_to as (
    select distinct on (ev.org_id) ev.org_id, ev.event from ev
    order by ev.org_id, ev.occurred_at desc, ev.id desc
  ),
  inside as (
    select ev.org_id,
      min(ev.occurred_at) filter (where ev.event <> 'removed') as first_join,
      max(ev.occurred_at) filter (where ev.event = 'removed') as last_removal
    from ev where ev.occurred_at > p_from group by ev.org_id
  )
  select t.org_id,
    case when f.event is not null and f.event <> 'removed' then p_from else i.first_join end,
    case when t.event <> 'removed' then p_to else i.last_removal end
  from at_to t
  left join at_from f on f.org_id = t.org_id
  left join inside i on i.org_id = t.org_id
  where (f.event is not null and f.event <> 'removed') or i.first_join is not null;
$$;

-- Users who were members of p_org at some time in [p_from, p_to].
create function private.incident_org_members(p_org uuid, p_from timestamptz, p_to timestamptz)
returns table (user_id uuid)
language sql
stable
security definer
set search_path = ''
as $$
  select m.user_id from audit.org_members_at(p_org, p_from) m
  union
  select e.user_id from audit.membership_events e
  where e.org_id = p_org and e.event <> 'removed' and e.occurred_at > p_from
    and e.occurred_at <= p_to;
$$;

create function private.incident_scope(p_reference text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
  v_accounts uuid[];
  v_orgs uuid[];
  v_everything boolean;
  v_summary jsonb;
begin
  -- Frozen: scoping again answers what was scoped (and notified) the first time.
  if v_incident.scoped_at is not null then
    return v_incident.summary;
  end if;
  v_accounts := array(select jsonb_array_elements_text(
    coalesce(v_incident.scope -> 'accounts', '[]'))::uuid);
  v_orgs := array(select jsonb_array_elements_text(
    coalesce(v_incident.scope -> 'organizations', '[]'))::uuid);
  -- A leaked key, or a window naming no identity, exposes everything in the window.
  v_everything := v_incident.scope ? 'leaked_key'
    or (cardinality(v_accounts) = 0 and cardinality(v_orgs) = 0);

  -- The exact recordings the compromised identities were granted (uploads are not reads). A
  -- leaked key bypasses the broker, so the log cannot say what it read: everything counts.
  insert into private.incident_recordings_accessed (incident_id, org_id, survey_id, response_id,
    recording_id, user_id, first_accessed_at, last_accessed_at, grants)
  select v_incident.id, l.org_id, l.survey_id, l.response_id, l.recording_id, l.user_id,
    min(l.accessed_at), max(l.accessed_at), count(*)
  from audit.recording_access l
  where l.accessed_at >= v_incident.window_from and l.accessed_at <= v_incident.window_to
    and l.recording_id is not null and l.access_path <> 'upload'
    and (l.user_id = any (v_accounts) or l.org_id = any (v_orgs))
  group by l.org_id, l.survey_id, l.response_id, l.recording_id, l.user_id;

  insert into private.incident_organizations (incident_id, org_id, sources, readable_from,
    readable_until, surveys, responses, transcripts, recordings, recordings_accessed)
  select v_incident.id, x.org_id, x.sources, x.readable_from, x.readable_until,
    c.surveys, c.responses, c.transcripts, c.recordings,
    (select count(distinct a.recording_id)::int from private.incident_recordings_accessed a
     where a.incident_id = v_incident.id and a.org_id = x.org_id)
  from (
    select e.org_id, array_agg(distinct e.source order by e.source) as sources,
      min(e.readable_from) as readable_from, max(e.readable_until) as readable_until
    from (
      select a.org_id, 'account' as source, a.readable_from, a.readable_until
      from unnest(v_accounts) u
      cross join lateral private.incident_account_orgs(u, v_incident.window_from,
        v_incident.window_to) a
      union all
      select o, 'organization', v_incident.window_from, v_incident.window_to
      from unnest(v_orgs) o
      union all
      select g.id, case when v_incident.scope ? 'leaked_key' then 'leaked_key' else 'window' end,
        v_incident.window_from, v_incident.window_to
      from public.organizations g
      where v_everything and g.created_at <= v_incident.window_to
    ) e
    group by e.org_id
  ) x
  -- What existed while it was readable: surveys not already in the trash, and their children.
  cross join lateral (
    select count(*)::int as surveys,
      coalesce(sum((select count(*) from public.responses r where r.org_id = s.org_id
        and r.survey_id = s.id and r.started_at <= x.readable_until)), 0)::int as responses,
      coalesce(sum((select count(*) from public.transcripts t where t.org_id = s.org_id
        and t.survey_id = s.id and t.created_at <= x.readable_until)), 0)::int as transcripts,
      coalesce(sum((select count(*) from public.recordings r where r.org_id = s.org_id
        and r.survey_id = s.id and r.created_at <= x.readable_until)), 0)::int as recordings
    from public.surveys s
    where s.org_id = x.org_id and s.created_at <= x.readable_until
      and (s.deleted_at is null or s.deleted_at >= x.readable_from)
  ) c;

  -- Affected users: the compromised accounts, and every member of an affected organisation
  -- while its data was exposed. Erased accounts cannot be written to (marked unreachable below).
  insert into private.incident_recipients (incident_id, user_id, account_compromised, params)
  select v_incident.id, p.user_id, p.user_id = any (v_accounts),
    jsonb_build_object(
      'reference', v_incident.reference,
      'detected_at', v_incident.detected_at,
      'window_from', v_incident.window_from,
      'window_to', v_incident.window_to,
      'account_compromised', p.user_id = any (v_accounts),
      'organizations', coalesce((
        select jsonb_agg(jsonb_build_object('org_id', o.org_id, 'surveys', o.surveys,
          'responses', o.responses, 'transcripts', o.transcripts, 'recordings', o.recordings,
          'recordings_accessed', o.recordings_accessed) order by o.org_id)
        from private.incident_organizations o
        where o.incident_id = v_incident.id and o.org_id = any (p.orgs)), '[]'),
      'actions', private.incident_actions(p.user_id = any (v_accounts),
        v_incident.scope ? 'leaked_key',
        exists (select 1 from private.incident_organizations o
          where o.incident_id = v_incident.id and o.org_id = any (p.orgs)
            and o.recordings_accessed > 0),
        cardinality(p.orgs) > 0))
  from (
    select m.user_id, array_agg(distinct m.org_id) filter (where m.org_id is not null) as orgs
    from (
      select u.user_id, o.org_id
      from private.incident_organizations o
      cross join lateral private.incident_org_members(o.org_id, o.readable_from,
        o.readable_until) u
      where o.incident_id = v_incident.id
      union all
      select a, null::uuid from unnest(v_accounts) a
    ) m
    group by m.user_id
  ) p;
  update private.incident_recipients r set unreachable_at = private.current_time()
  where r.incident_id = v_incident.id
    and not exists (select 1 from auth.users au where au.id = r.user_id and au.email is not null);

  select jsonb_build_object(
    'organizations', (select count(*) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'users', (select count(*) from private.incident_recipients r
      where r.incident_id = v_incident.id),
    'unreachable', (select count(*) from private.incident_recipients r
      where r.incident_id = v_incident.id and r.unreachable_at is not null),
    'recordings_accessed', (select count(distinct a.recording_id)
      from private.incident_recordings_accessed a where a.incident_id = v_incident.id),
    'surveys', (select coalesce(sum(o.surveys), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'responses', (select coalesce(sum(o.responses), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'transcripts', (select coalesce(sum(o.transcripts), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'recordings', (select coalesce(sum(o.recordings), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'access_log_complete', not (v_incident.scope ? 'leaked_key'))
  into v_summary;

  update private.incidents i
  set state = 'scoped', scoped_at = private.current_time(), summary = v_summary
  where i.id = v_incident.id;
  perform private.incident_audit('incident.scoped', v_incident.id, 'ops_incident', v_summary);
  return v_summary;
end;
$$;

-- The recommended actions for one recipient, as codes the mail template words.
create function private.incident_actions(
  p_account_compromised boolean, p_leaked_key boolean, p_recordings_accessed boolean,
  p_has_orgs boolean
)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select to_jsonb(array_remove(array[
    case when p_account_compromised then 'change_password' end,
    case when p_account_compromised then 'review_sessions' end,
    case when p_has_orgs then 'review_organization_members' end,
    case when p_has_orgs then 'review_recent_activity' end,
    case when p_recordings_accessed then 'inform_respondents' end,
    case when p_leaked_key then 'watch_for_phishing' end], null));
$$;

-- ---------------------------------------------------------------------------------------------
-- Notify: one mail per recipient; a recipient already queued gets nothing more
-- ---------------------------------------------------------------------------------------------
create function private.incident_notify(p_reference text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
  v_now timestamptz := private.current_time();
  v_queued integer;
  v_before integer;
  v_unreachable integer;
begin
  if v_incident.scoped_at is null then
    raise exception 'scope the incident before notifying' using errcode = '55000';
  end if;
  select count(*) into v_before from private.incident_recipients r
  where r.incident_id = v_incident.id and (r.queued_at is not null or r.delivered_at is not null);

  with due as (
    select r.user_id, r.params, u.email from private.incident_recipients r
    join auth.users u on u.id = r.user_id
    where r.incident_id = v_incident.id and r.queued_at is null and r.delivered_at is null
      and u.email is not null
    order by r.user_id
    for update of r
  ),
  queued as (
    update private.incident_recipients r
    set mail_id = private.mail_enqueue(d.email, 'incident_notice', d.params), queued_at = v_now,
      unreachable_at = null
    from due d
    where r.incident_id = v_incident.id and r.user_id = d.user_id
    returning r.user_id
  )
  select count(*) into v_queued from queued;
  update private.incident_recipients r set unreachable_at = coalesce(r.unreachable_at, v_now)
  where r.incident_id = v_incident.id and r.queued_at is null and r.delivered_at is null;
  get diagnostics v_unreachable = row_count;

  update private.incidents i
  set state = 'notifying', notified_at = coalesce(i.notified_at, v_now)
  where i.id = v_incident.id;
  perform private.incident_audit('incident.notified', v_incident.id, 'ops_incident',
    jsonb_build_object('queued', v_queued, 'already_queued', v_before,
      'unreachable', v_unreachable));
  return jsonb_build_object('queued', v_queued, 'already_queued', v_before,
    'unreachable', v_unreachable);
end;
$$;

-- A sent notice marks its recipient delivered (kept after the outbox purges the message).
create function private.incident_track_delivery()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update private.incident_recipients r set delivered_at = new.sent_at
  where r.mail_id = new.id and r.delivered_at is null;
  return null;
end;
$$;
create trigger mail_outbox_incident_delivery after update of status on private.mail_outbox
  for each row when (new.status = 'sent' and new.template = 'incident_notice')
  execute function private.incident_track_delivery();

-- ---------------------------------------------------------------------------------------------
-- Investigation notes, preventive measures, closing
-- ---------------------------------------------------------------------------------------------
create function private.incident_add_entry(p_reference text, p_kind text, p_body text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
begin
  if coalesce(char_length(trim(p_body)), 0) = 0 or char_length(p_body) > 20000 then
    raise exception 'an entry is 1 to 20000 characters' using errcode = '22023';
  end if;
  insert into private.incident_entries (incident_id, kind, body, added_at)
  values (v_incident.id, p_kind, p_body, private.current_time());
  perform private.incident_audit(
    case p_kind when 'note' then 'incident.note_added' else 'incident.preventive_measure_added' end,
    v_incident.id, 'ops_incident', jsonb_build_object('length', char_length(p_body)));
  return v_incident.reference;
end;
$$;

create function private.incident_add_note(p_reference text, p_note text)
returns text
language sql
security definer
set search_path = ''
as $$ select private.incident_add_entry(p_reference, 'note', p_note) $$;

create function private.incident_add_preventive_measure(p_reference text, p_measure text)
returns text
language sql
security definer
set search_path = ''
as $$ select private.incident_add_entry(p_reference, 'preventive_measure', p_measure) $$;

-- Closing needs every reachable recipient notified; an incident found to be no breach may be
-- closed before it is scoped.
create function private.incident_close(p_reference text, p_note text default null)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
  v_now timestamptz := private.current_time();
  v_undelivered integer;
begin
  if p_note is not null and (char_length(trim(p_note)) = 0 or char_length(p_note) > 20000) then
    raise exception 'a note is 1 to 20000 characters' using errcode = '22023';
  end if;
  select count(*) into v_undelivered from private.incident_recipients r
  where r.incident_id = v_incident.id and r.delivered_at is null and r.unreachable_at is null;
  if v_undelivered > 0 then
    raise exception 'this incident still has % recipients not notified', v_undelivered
      using errcode = '55000';
  end if;
  if p_note is not null then
    insert into private.incident_entries (incident_id, kind, body, added_at)
    values (v_incident.id, 'note', p_note, v_now);
  end if;
  update private.incidents i set state = 'closed', closed_at = v_now where i.id = v_incident.id;
  perform private.incident_audit('incident.closed', v_incident.id, 'ops_incident',
    jsonb_build_object('note_length', char_length(p_note), 'scoped', v_incident.scoped_at is not null,
      'hours_open', round(extract(epoch from v_now - v_incident.detected_at) / 3600)::int));
  return v_incident.reference;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Reading: the incident for ops, the export for regulators, the status for reports
-- ---------------------------------------------------------------------------------------------

-- Recipients not yet notified and, from 36 hours after detection, late.
create function private.incident_show(p_reference text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents;
  v_late_from timestamptz;
begin
  select * into v_incident from private.incidents i where i.reference = upper(trim(p_reference));
  if v_incident.id is null then
    raise exception 'no incident has this reference' using errcode = 'P0002';
  end if;
  v_late_from := v_incident.detected_at + interval '36 hours';
  return jsonb_build_object(
    'reference', v_incident.reference, 'state', v_incident.state,
    'detected_at', v_incident.detected_at, 'deadline', v_incident.deadline,
    'scope', v_incident.scope, 'summary', v_incident.summary,
    'unnotified', coalesce((select jsonb_agg(jsonb_build_object('user_id', r.user_id,
        'mail_status', m.status, 'attempts', m.attempts, 'last_error', m.last_error)
        order by r.user_id)
      from private.incident_recipients r left join private.mail_outbox m on m.id = r.mail_id
      where r.incident_id = v_incident.id and r.delivered_at is null
        and r.unreachable_at is null), '[]'),
    'unreachable', coalesce((select jsonb_agg(r.user_id order by r.user_id)
      from private.incident_recipients r
      where r.incident_id = v_incident.id and r.unreachable_at is not null), '[]'),
    'late', case when private.current_time() >= v_late_from and v_incident.state <> 'closed' then
      coalesce((select jsonb_agg(r.user_id order by r.user_id) from private.incident_recipients r
        where r.incident_id = v_incident.id and r.delivered_at is null
          and r.unreachable_at is null), '[]')
      else '[]' end);
end;
$$;

create function private.incident_export(p_reference text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents;
begin
  select * into v_incident from private.incidents i where i.reference = upper(trim(p_reference));
  if v_incident.id is null then
    raise exception 'no incident has this reference' using errcode = 'P0002';
  end if;
  return jsonb_build_object(
    'reference', v_incident.reference, 'state', v_incident.state,
    'detected_at', v_incident.detected_at, 'deadline', v_incident.deadline,
    'opened_at', v_incident.opened_at, 'scoped_at', v_incident.scoped_at,
    'notified_at', v_incident.notified_at, 'closed_at', v_incident.closed_at,
    'scope', v_incident.scope, 'summary', v_incident.summary,
    'organizations', coalesce((select jsonb_agg(jsonb_build_object('org_id', o.org_id,
        'sources', o.sources, 'readable_from', o.readable_from,
        'readable_until', o.readable_until, 'surveys', o.surveys, 'responses', o.responses,
        'transcripts', o.transcripts, 'recordings', o.recordings,
        'recordings_accessed', o.recordings_accessed) order by o.org_id)
      from private.incident_organizations o where o.incident_id = v_incident.id), '[]'),
    'recordings_accessed', coalesce((select jsonb_agg(jsonb_build_object('org_id', a.org_id,
        'survey_id', a.survey_id, 'response_id', a.response_id, 'recording_id', a.recording_id,
        'user_id', a.user_id, 'first_accessed_at', a.first_accessed_at,
        'last_accessed_at', a.last_accessed_at, 'grants', a.grants)
        order by a.first_accessed_at, a.recording_id)
      from private.incident_recordings_accessed a where a.incident_id = v_incident.id), '[]'),
    'recipients', coalesce((select jsonb_agg(jsonb_build_object('user_id', r.user_id,
        'account_compromised', r.account_compromised, 'actions', r.params -> 'actions',
        'queued_at', r.queued_at, 'delivered_at', r.delivered_at,
        'unreachable_at', r.unreachable_at) order by r.user_id)
      from private.incident_recipients r where r.incident_id = v_incident.id), '[]'),
    'entries', coalesce((select jsonb_agg(jsonb_build_object('kind', e.kind, 'body', e.body,
        'details', e.details, 'added_at', e.added_at) order by e.id)
      from private.incident_entries e where e.incident_id = v_incident.id), '[]'));
end;
$$;

-- For the report generator: counts and opaque references only.
create function private.incident_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with unclosed as (
    select i.reference, i.detected_at, i.deadline, i.state,
      (select count(*)::int from private.incident_recipients r
       where r.incident_id = i.id and r.delivered_at is null and r.unreachable_at is null)
        as unnotified
    from private.incidents i where i.state <> 'closed'
  )
  select jsonb_build_object(
    'open', (select count(*) from unclosed),
    'overdue', (select count(*) from unclosed o where o.deadline <= private.current_time()
      and (o.unnotified > 0 or o.state = 'open')),
    'items', coalesce((select jsonb_agg(jsonb_build_object('ref', o.reference,
        'detected_at', o.detected_at, 'deadline', o.deadline, 'state', o.state,
        'unnotified', o.unnotified) order by o.detected_at, o.reference) from unclosed o), '[]'));
$$;

-- Red when, 36 hours after detection (12 before the promised 48), an incident is still unscoped
-- or a recipient is still unnotified.
create function private.incident_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_late jsonb;
begin
  select coalesce(jsonb_agg(jsonb_build_object('ref', x.reference, 'state', x.state,
      'deadline', x.deadline, 'unnotified', x.unnotified) order by x.detected_at), '[]')
  into v_late
  from (
    select i.reference, i.state, i.detected_at, i.deadline,
      (select count(*)::int from private.incident_recipients r
       where r.incident_id = i.id and r.delivered_at is null and r.unreachable_at is null)
        as unnotified
    from private.incidents i
    where i.state <> 'closed' and i.detected_at + interval '36 hours' <= private.current_time()
  ) x
  where x.unnotified > 0 or x.state = 'open';
  check_name := 'incident_users_notified';
  ok := jsonb_array_length(v_late) = 0;
  detail := jsonb_build_object('late', v_late);
  return next;
end;
$$;

insert into private.job_health_checks (check_function, position) values
  ('private.incident_health()', 70);

-- ---------------------------------------------------------------------------------------------
-- The public names ops call with the service-role key: SECURITY INVOKER wrappers
-- ---------------------------------------------------------------------------------------------
create function public.incident_open(p_detected_at timestamptz, p_scope jsonb)
returns text language sql security invoker set search_path = ''
as $$ select private.incident_open(p_detected_at, p_scope) $$;
create function public.incident_scope(p_reference text)
returns jsonb language sql security invoker set search_path = ''
as $$ select private.incident_scope(p_reference) $$;
create function public.incident_notify(p_reference text)
returns jsonb language sql security invoker set search_path = ''
as $$ select private.incident_notify(p_reference) $$;
create function public.incident_add_note(p_reference text, p_note text)
returns text language sql security invoker set search_path = ''
as $$ select private.incident_add_note(p_reference, p_note) $$;
create function public.incident_add_preventive_measure(p_reference text, p_measure text)
returns text language sql security invoker set search_path = ''
as $$ select private.incident_add_preventive_measure(p_reference, p_measure) $$;
create function public.incident_close(p_reference text, p_note text default null)
returns text language sql security invoker set search_path = ''
as $$ select private.incident_close(p_reference, p_note) $$;
create function public.incident_show(p_reference text)
returns jsonb language sql security invoker set search_path = ''
as $$ select private.incident_show(p_reference) $$;
create function public.incident_export(p_reference text)
returns jsonb language sql security invoker set search_path = ''
as $$ select private.incident_export(p_reference) $$;

revoke all on function
  private.incident_audit(text, uuid, text, jsonb, uuid),
  private.incident_for_update(text, boolean),
  private.incident_open(timestamptz, jsonb),
  private.incident_account_orgs(uuid, timestamptz, timestamptz),
  private.incident_org_members(uuid, timestamptz, timestamptz),
  private.incident_scope(text),
  private.incident_actions(boolean, boolean, boolean, boolean),
  private.incident_notify(text),
  private.incident_track_delivery(),
  private.incident_add_entry(text, text, text),
  private.incident_add_note(text, text),
  private.incident_add_preventive_measure(text, text),
  private.incident_close(text, text),
  private.incident_show(text),
  private.incident_export(text),
  private.incident_status(),
  private.incident_health(),
  public.incident_open(timestamptz, jsonb),
  public.incident_scope(text),
  public.incident_notify(text),
  public.incident_add_note(text, text),
  public.incident_add_preventive_measure(text, text),
  public.incident_close(text, text),
  public.incident_show(text),
  public.incident_export(text)
from public, anon, authenticated, service_role;
grant execute on function
  private.incident_open(timestamptz, jsonb),
  private.incident_scope(text),
  private.incident_notify(text),
  private.incident_add_note(text, text),
  private.incident_add_preventive_measure(text, text),
  private.incident_close(text, text),
  private.incident_show(text),
  private.incident_export(text),
  public.incident_open(timestamptz, jsonb),
  public.incident_scope(text),
  public.incident_notify(text),
  public.incident_add_note(text, text),
  public.incident_add_preventive_measure(text, text),
  public.incident_close(text, text),
  public.incident_show(text),
  public.incident_export(text)
to service_role;
