-- Mail: the outbox every product mail goes through (docs/SECURITY_REPORTS.md, "Mail").
--
-- A message is a row: recipient, template and the template's parameters (ids and references,
-- never rendered text). The scheduled Edge Function `mail-sender` renders and delivers it
-- (SMTP with nodemailer, or a provider's HTTP API) in three steps, each its own transaction:
--   1. mail_claim()         leases due messages (a crashed sender's lease expires);
--   2. mail_mark_sending()  just before the SMTP/HTTP call: the message may now have left;
--   3. mail_settle()        after the call: sent, or retried with exponential backoff.
-- A sender that dies before step 2 leaves a message that was certainly not sent: it is claimed
-- again when the lease expires. One that dies between 2 and 3 leaves it `sending` with an
-- expired lease: it is sent again (never lost), with the same Message-ID and idempotency key,
-- so the provider (and the recipient's mail client) drops the duplicate.

create table private.mail_outbox (
  id uuid primary key default gen_random_uuid(),
  recipient text not null check (char_length(recipient) between 3 and 254 and recipient ~ '^[^\s@]+@[^\s@]+$'),
  -- The one list of templates (supabase/functions/mail-sender/templates.ts renders each).
  template text not null check (template in ('security_report_ack')),
  -- What the template needs to render: references and codes, never free text.
  params jsonb not null default '{}' check (jsonb_typeof(params) = 'object'),
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  enqueued_at timestamptz not null default now(),
  next_attempt_at timestamptz not null default now(),
  leased_until timestamptz,
  lease_token uuid,
  sending_at timestamptz,
  sent_at timestamptz,
  -- The transport's error (an SMTP reply or HTTP status line), never the message itself.
  last_error text check (char_length(last_error) <= 500),
  check ((status = 'sent') = (sent_at is not null))
);
create index mail_outbox_due_idx on private.mail_outbox (next_attempt_at)
  where status in ('queued', 'sending');
create index mail_outbox_sent_idx on private.mail_outbox (sent_at) where status = 'sent';
alter table private.mail_outbox enable row level security;
alter table private.mail_outbox force row level security;
revoke all on private.mail_outbox from public, anon, authenticated, service_role;

-- Queues one message; returns its id. Called by the capabilities that send mail.
create function private.mail_enqueue(p_recipient text, p_template text, p_params jsonb)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_id uuid;
begin
  insert into private.mail_outbox (recipient, template, params, enqueued_at, next_attempt_at)
  values (p_recipient, p_template, coalesce(p_params, '{}'), v_now, v_now)
  returning id into v_id;
  return v_id;
end;
$$;

-- Leases up to p_limit due messages: queued ones whose backoff has passed, and `sending` ones
-- whose sender died mid-call (their lease expired). Each lease gets a fresh token; only its
-- holder can mark or settle the message.
create function private.mail_claim(
  p_limit integer default 20, p_lease interval default interval '5 minutes'
)
returns table (id uuid, recipient text, template text, params jsonb, attempts integer,
  resend boolean, lease_token uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_token uuid := gen_random_uuid();
begin
  if p_limit is null or p_limit not between 1 and 100 then
    raise exception 'claim 1 to 100 messages, got %', p_limit using errcode = '22023';
  end if;
  return query
    update private.mail_outbox m
    set leased_until = v_now + p_lease, lease_token = v_token
    where m.id in (
      select d.id from private.mail_outbox d
      where d.status in ('queued', 'sending') and d.next_attempt_at <= v_now
        and (d.leased_until is null or d.leased_until <= v_now)
      order by d.next_attempt_at, d.id
      limit p_limit
      for update skip locked
    )
    returning m.id, m.recipient, m.template, m.params, m.attempts, m.status = 'sending',
      m.lease_token;
end;
$$;

-- Just before the SMTP/HTTP call: the message may leave from now on. False when the lease was
-- lost (expired and taken by another sender): then this sender must not send it.
create function private.mail_mark_sending(p_id uuid, p_lease_token uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
begin
  update private.mail_outbox m
  set status = 'sending', sending_at = v_now, attempts = m.attempts + 1
  where m.id = p_id and m.lease_token = p_lease_token and m.leased_until > v_now
    and m.status in ('queued', 'sending');
  return found;
end;
$$;

-- Gives back leased messages this sender did not get to (the transport went down): they are
-- due again at once for the next run, their attempts untouched.
create function private.mail_release(p_ids uuid[], p_lease_token uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update private.mail_outbox m
  set leased_until = null, lease_token = null
  where m.id = any(p_ids) and m.lease_token = p_lease_token;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- After the call. Sent: done. Otherwise back to the queue with exponential backoff (30 s
-- doubling, capped at 1 hour); after p_max_attempts it is given up as failed, which job health
-- reports until ops requeue it (mail_requeue).
create function private.mail_settle(
  p_id uuid, p_lease_token uuid, p_error text default null, p_max_attempts integer default 12
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_status text;
begin
  update private.mail_outbox m
  set status = case
        when p_error is null then 'sent'
        when m.attempts >= p_max_attempts then 'failed'
        else 'queued' end,
      sent_at = case when p_error is null then v_now end,
      next_attempt_at = case when p_error is null then m.next_attempt_at
        else v_now + least(interval '30 seconds' * power(2, greatest(m.attempts - 1, 0)),
                           interval '1 hour') end,
      last_error = left(p_error, 500),
      leased_until = null, lease_token = null
  where m.id = p_id and m.lease_token = p_lease_token and m.status = 'sending'
  returning m.status into v_status;
  return v_status;
end;
$$;

-- Ops: gives failed messages another round of attempts (after fixing the transport).
create function private.mail_requeue(p_ids uuid[] default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update private.mail_outbox m
  set status = 'queued', attempts = 0, next_attempt_at = private.current_time()
  where m.status = 'failed' and (p_ids is null or m.id = any(p_ids));
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- The outbox's state for the job's report and job health. Stuck: waiting for more than an hour
-- (the transport has been refusing it for a while).
create function private.mail_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'pending', count(*) filter (where m.status in ('queued', 'sending')),
    'due', count(*) filter (where m.status in ('queued', 'sending')
      and m.next_attempt_at <= private.current_time()
      and (m.leased_until is null or m.leased_until <= private.current_time())),
    'stuck', count(*) filter (where m.status in ('queued', 'sending')
      and m.enqueued_at < private.current_time() - interval '1 hour'),
    'failed', count(*) filter (where m.status = 'failed'),
    'oldest_enqueued_at', min(m.enqueued_at) filter (where m.status in ('queued', 'sending')),
    'stuck_ids', coalesce(jsonb_agg(m.id order by m.enqueued_at) filter (
      where m.status in ('queued', 'sending')
        and m.enqueued_at < private.current_time() - interval '1 hour'), '[]'),
    'failed_ids', coalesce(jsonb_agg(m.id order by m.enqueued_at) filter (
      where m.status = 'failed'), '[]'),
    'last_error', (select l.last_error from private.mail_outbox l
      where l.status <> 'sent' and l.last_error is not null
      order by l.enqueued_at desc limit 1))
  from private.mail_outbox m;
$$;

-- Sent mail holds a recipient address: it leaves the outbox 30 days after it was sent.
create function private.mail_outbox_purge(p_limit integer default 1000)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from private.mail_outbox m
  where m.id in (select s.id from private.mail_outbox s
                 where s.status = 'sent' and s.sent_at < private.current_time() - interval '30 days'
                 order by s.sent_at limit p_limit);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

create function private.mail_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_mail jsonb := private.mail_status();
begin
  check_name := 'mail_not_stuck';
  ok := (v_mail ->> 'stuck')::int = 0;
  detail := v_mail - 'failed_ids';
  return next;

  check_name := 'mail_not_failed';
  ok := (v_mail ->> 'failed')::int = 0;
  detail := jsonb_build_object('failed', v_mail -> 'failed', 'message_ids', v_mail -> 'failed_ids',
    'last_error', v_mail -> 'last_error');
  return next;
end;
$$;

insert into private.job_health_checks (check_function, position) values
  ('private.mail_health()', 50);

revoke all on function
  private.mail_enqueue(text, text, jsonb),
  private.mail_claim(integer, interval),
  private.mail_mark_sending(uuid, uuid),
  private.mail_release(uuid[], uuid),
  private.mail_settle(uuid, uuid, text, integer),
  private.mail_requeue(uuid[]),
  private.mail_status(),
  private.mail_outbox_purge(integer),
  private.mail_health()
from public, anon, authenticated, service_role;

-- Every minute: an acknowledgement promised "right away" waits at most a minute plus backoff.
select cron.schedule('cluso-mail-sender', '* * * * *', $$select private.job_invoke('mail-sender')$$);
