-- Security reports (docs/SECURITY_REPORTS.md): the security page promises "we will acknowledge
-- your report within 24 hours". A report arrives through the public Edge Function
-- `security-report` or as mail to the security address (the `security-inbound` webhook); both
-- call private.security_report_submit() over their service connection, which stores it where no
-- API client can read it and queues the acknowledgement mail (with the tracking reference) in
-- the mail outbox in the same transaction. Job health turns red 12 hours after a report arrived
-- while its acknowledgement has still not left, well before the promised 24. Ops triage through
-- service-role-only functions, each step audited with counts and codes, never the report's
-- text. Closed reports are purged 365 days after closing.

-- ---------------------------------------------------------------------------------------------
-- Audit actions of the capability (the one list, as 20261129000600 keeps it)
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
  'recording_access.partition_dropped'
));

reset role;
revoke cluso_audit_owner from postgres;

-- ---------------------------------------------------------------------------------------------
-- Storage: private, deny-all (no policy, no grant), read only through the functions below
-- ---------------------------------------------------------------------------------------------
create table private.security_reports (
  id uuid primary key default gen_random_uuid(),
  -- What the reporter quotes back; random, so it tells nothing about other reports.
  reference text not null unique check (reference ~ '^SR-[0-9A-F]{12}$'),
  channel text not null check (channel in ('web', 'email')),
  reporter_contact text not null check (char_length(reporter_contact) between 3 and 254),
  summary text not null check (char_length(summary) between 1 and 200),
  details text not null check (char_length(details) between 1 and 20000),
  severity text check (severity in ('low', 'medium', 'high', 'critical')),
  status text not null default 'received' check (status in
    ('received', 'acknowledged', 'investigating', 'fixing', 'closed')),
  resolution text check (resolution in
    ('fixed', 'not_reproducible', 'wont_fix', 'duplicate', 'out_of_scope', 'invalid')),
  received_at timestamptz not null default now(),
  ack_mail_id uuid references private.mail_outbox (id) on delete set null,
  acknowledged_at timestamptz,
  closed_at timestamptz,
  check ((status = 'closed') = (closed_at is not null)),
  check ((status = 'closed') = (resolution is not null))
);
create index security_reports_ack_mail_idx on private.security_reports (ack_mail_id);
create index security_reports_open_idx on private.security_reports (received_at)
  where status <> 'closed';
create index security_reports_closed_idx on private.security_reports (closed_at)
  where status = 'closed';
alter table private.security_reports enable row level security;
alter table private.security_reports force row level security;
revoke all on private.security_reports from public, anon, authenticated, service_role;

create table private.security_report_notes (
  id bigint generated always as identity primary key,
  report_id uuid not null references private.security_reports (id) on delete cascade,
  body text not null check (char_length(body) between 1 and 20000),
  added_at timestamptz not null default now()
);
create index security_report_notes_report_idx on private.security_report_notes (report_id);
alter table private.security_report_notes enable row level security;
alter table private.security_report_notes force row level security;
revoke all on private.security_report_notes from public, anon, authenticated, service_role;

-- Submissions per source and hour, for the rate limit. The source is a keyed hash (HMAC-SHA256
-- with a secret only the Edge Functions hold) of the client IP or the sender's address: never
-- the address itself, and not reversible by anyone who reads this table.
create table private.security_report_sources (
  source_hash text not null check (source_hash ~ '^[0-9a-f]{64}$'),
  window_start timestamptz not null,
  submissions integer not null check (submissions > 0),
  primary key (source_hash, window_start)
);
create index security_report_sources_window_idx on private.security_report_sources (window_start);
alter table private.security_report_sources enable row level security;
alter table private.security_report_sources force row level security;
revoke all on private.security_report_sources
  from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Intake
-- ---------------------------------------------------------------------------------------------

-- Stores a report and queues its acknowledgement, unless the source has already submitted
-- p_limit_per_hour times this hour (every attempt counts, refused ones too). Answers
-- {"accepted": true, "reference": ...} or {"accepted": false, "reason": "rate_limited"}.
create function private.security_report_submit(
  p_source_hash text,
  p_channel text,
  p_contact text,
  p_summary text,
  p_details text,
  p_severity text default null,
  p_limit_per_hour integer default 5
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_submissions integer;
  v_report private.security_reports;
begin
  insert into private.security_report_sources as s (source_hash, window_start, submissions)
  values (p_source_hash, date_trunc('hour', v_now), 1)
  on conflict (source_hash, window_start) do update set submissions = s.submissions + 1
  returning s.submissions into v_submissions;
  if v_submissions > p_limit_per_hour then
    return jsonb_build_object('accepted', false, 'reason', 'rate_limited');
  end if;

  insert into private.security_reports (reference, channel, reporter_contact, summary, details,
    severity, received_at)
  values ('SR-' || upper(left(replace(gen_random_uuid()::text, '-', ''), 12)), p_channel,
    p_contact, p_summary, p_details, p_severity, v_now)
  returning * into v_report;

  update private.security_reports r
  set ack_mail_id = private.mail_enqueue(p_contact, 'security_report_ack',
    jsonb_build_object('reference', v_report.reference, 'channel', p_channel))
  where r.id = v_report.id;

  perform audit.record_events('security_report.received', 'private.security_reports', p_channel,
    array[null::uuid], array[v_report.id::text],
    array[jsonb_build_object('details_length', char_length(p_details),
      'severity_given', p_severity is not null)],
    p_actor_job => 'security_report_intake');
  return jsonb_build_object('accepted', true, 'reference', v_report.reference);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Triage (service role only): each step audited with codes and lengths, never the text
-- ---------------------------------------------------------------------------------------------

-- The open report with this reference, locked; raises P0002 when there is none (without
-- repeating what was asked for).
create function private.security_report_for_triage(p_reference text)
returns private.security_reports
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_report private.security_reports;
begin
  select * into v_report from private.security_reports r
  where r.reference = upper(trim(p_reference)) for update;
  if v_report.id is null then
    raise exception 'no security report has this reference' using errcode = 'P0002';
  end if;
  if v_report.status = 'closed' then
    raise exception 'this security report is closed' using errcode = '55000';
  end if;
  return v_report;
end;
$$;

create function private.security_report_audit(
  p_action text, p_report_id uuid, p_reason text, p_details jsonb default '{}'
)
returns void
language sql
security definer
set search_path = ''
as $$
  select null from audit.record_events(p_action, 'private.security_reports', p_reason,
    array[null::uuid], array[p_report_id::text], array[p_details],
    p_actor_job => 'security_triage');
$$;

-- Ops confirm they have the report (also when its acknowledgement mail could not leave and
-- they reached the reporter another way): job health stops counting it as overdue.
create function private.security_report_acknowledge(p_reference text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_report private.security_reports := private.security_report_for_triage(p_reference);
begin
  update private.security_reports r
  set acknowledged_at = coalesce(r.acknowledged_at, private.current_time()),
      status = case when r.status = 'received' then 'acknowledged' else r.status end
  where r.id = v_report.id;
  perform private.security_report_audit('security_report.acknowledged', v_report.id, 'ops_triage',
    jsonb_build_object('ack_mail_sent', exists (select 1 from private.mail_outbox m
      where m.id = v_report.ack_mail_id and m.status = 'sent')));
  return v_report.reference;
end;
$$;

create function private.security_report_set_status(p_reference text, p_status text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_report private.security_reports := private.security_report_for_triage(p_reference);
begin
  if p_status is null or p_status not in ('acknowledged', 'investigating', 'fixing') then
    raise exception 'status must be acknowledged, investigating or fixing (close with security_report_close)'
      using errcode = '22023';
  end if;
  update private.security_reports r
  set status = p_status,
      acknowledged_at = coalesce(r.acknowledged_at, private.current_time())
  where r.id = v_report.id;
  perform private.security_report_audit('security_report.status_changed', v_report.id, p_status);
  return v_report.reference;
end;
$$;

create function private.security_report_add_note(p_reference text, p_note text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_report private.security_reports := private.security_report_for_triage(p_reference);
begin
  if coalesce(char_length(trim(p_note)), 0) = 0 or char_length(p_note) > 20000 then
    raise exception 'a note is 1 to 20000 characters' using errcode = '22023';
  end if;
  insert into private.security_report_notes (report_id, body, added_at)
  values (v_report.id, p_note, private.current_time());
  perform private.security_report_audit('security_report.note_added', v_report.id, 'ops_triage',
    jsonb_build_object('note_length', char_length(p_note)));
  return v_report.reference;
end;
$$;

create function private.security_report_close(
  p_reference text, p_resolution text, p_note text default null
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_report private.security_reports := private.security_report_for_triage(p_reference);
  v_now timestamptz := private.current_time();
begin
  if p_resolution is null or p_resolution not in
    ('fixed', 'not_reproducible', 'wont_fix', 'duplicate', 'out_of_scope', 'invalid') then
    raise exception 'resolution must be fixed, not_reproducible, wont_fix, duplicate, out_of_scope or invalid'
      using errcode = '22023';
  end if;
  if p_note is not null and (char_length(trim(p_note)) = 0 or char_length(p_note) > 20000) then
    raise exception 'a note is 1 to 20000 characters' using errcode = '22023';
  end if;
  if p_note is not null then
    insert into private.security_report_notes (report_id, body, added_at)
    values (v_report.id, p_note, v_now);
  end if;
  update private.security_reports r
  set status = 'closed', resolution = p_resolution, closed_at = v_now,
      acknowledged_at = coalesce(r.acknowledged_at, v_now)
  where r.id = v_report.id;
  perform private.security_report_audit('security_report.closed', v_report.id, p_resolution,
    jsonb_build_object('note_length', char_length(p_note),
      'days_open', extract(day from v_now - v_report.received_at)::int));
  return v_report.reference;
end;
$$;

-- The public names ops call with the service-role key (supabase-js rpc, or SQL as postgres):
-- SECURITY INVOKER wrappers executable by service_role only.
create function public.security_report_acknowledge(p_reference text)
returns text language sql security invoker set search_path = ''
as $$ select private.security_report_acknowledge(p_reference) $$;
create function public.security_report_set_status(p_reference text, p_status text)
returns text language sql security invoker set search_path = ''
as $$ select private.security_report_set_status(p_reference, p_status) $$;
create function public.security_report_add_note(p_reference text, p_note text)
returns text language sql security invoker set search_path = ''
as $$ select private.security_report_add_note(p_reference, p_note) $$;
create function public.security_report_close(
  p_reference text, p_resolution text, p_note text default null
)
returns text language sql security invoker set search_path = ''
as $$ select private.security_report_close(p_reference, p_resolution, p_note) $$;

-- ---------------------------------------------------------------------------------------------
-- Retention: closed reports (with their notes) leave 365 days after closing, p_limit per call;
-- rate-limit counters after a day. Each purged report is audited (reference and text are gone
-- with it).
-- ---------------------------------------------------------------------------------------------
create function private.security_report_purge(p_limit integer default 1000)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_purged uuid[];
  v_sources integer;
begin
  with purged as (
    delete from private.security_reports r
    where r.id in (select c.id from private.security_reports c
                   where c.status = 'closed' and c.closed_at < v_now - interval '365 days'
                   order by c.closed_at limit p_limit)
    returning r.id
  )
  select array_agg(p.id order by p.id) into v_purged from purged p;
  if v_purged is not null then
    perform audit.record_events('security_report.purged', 'private.security_reports',
      'retention_expired', array(select null::uuid from unnest(v_purged)),
      array(select i::text from unnest(v_purged) i), p_actor_job => 'security_report_purge');
  end if;
  delete from private.security_report_sources s where s.window_start < v_now - interval '1 day';
  get diagnostics v_sources = row_count;
  return jsonb_build_object('reports_purged', coalesce(cardinality(v_purged), 0),
    'rate_windows_purged', v_sources);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Health: an acknowledgement still not sent 12 hours after the report arrived (24 promised)
-- ---------------------------------------------------------------------------------------------
create function private.security_report_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_overdue jsonb;
begin
  select coalesce(jsonb_agg(jsonb_build_object('reference', r.reference,
      'received_at', r.received_at, 'ack_mail_status', m.status,
      'ack_mail_attempts', m.attempts) order by r.received_at), '[]')
  into v_overdue
  from private.security_reports r
  left join private.mail_outbox m on m.id = r.ack_mail_id
  where r.acknowledged_at is null
    and r.received_at <= private.current_time() - interval '12 hours'
    -- Sent mail leaves the outbox after 30 days (ack_mail_id set null): only unsent mail counts.
    and r.ack_mail_id is not null and m.status <> 'sent';
  check_name := 'security_reports_acknowledged';
  ok := jsonb_array_length(v_overdue) = 0;
  detail := jsonb_build_object('overdue', v_overdue);
  return next;
end;
$$;

insert into private.job_health_checks (check_function, position) values
  ('private.security_report_health()', 60);

revoke all on function
  private.security_report_submit(text, text, text, text, text, text, integer),
  private.security_report_for_triage(text),
  private.security_report_audit(text, uuid, text, jsonb),
  private.security_report_purge(integer),
  private.security_report_health(),
  private.security_report_acknowledge(text),
  private.security_report_set_status(text, text),
  private.security_report_add_note(text, text),
  private.security_report_close(text, text, text),
  public.security_report_acknowledge(text),
  public.security_report_set_status(text, text),
  public.security_report_add_note(text, text),
  public.security_report_close(text, text, text)
from public, anon, authenticated, service_role;
grant execute on function
  private.security_report_acknowledge(text),
  private.security_report_set_status(text, text),
  private.security_report_add_note(text, text),
  private.security_report_close(text, text, text),
  public.security_report_acknowledge(text),
  public.security_report_set_status(text, text),
  public.security_report_add_note(text, text),
  public.security_report_close(text, text, text)
to service_role;

-- Daily, through the Edge Function `security-report-purge` (the job runtime: batches against a
-- deadline, a report per run, failures in job health).
select cron.schedule('cluso-security-report-purge', '17 3 * * *',
  $$select private.job_invoke('security-report-purge')$$);
