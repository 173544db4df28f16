-- The account holder's right of access and portability (docs/DATA_SUBJECT_RIGHTS.md, "Account
-- data export"): public.request_data_export() records an `access` request in the ledger and
-- queues an export; the `data-export` job builds the JSON archive in bounded pages
-- (private.data_export_page), stores it in the private bucket `data-exports` under an ids-only
-- name, completes the ledger entry with its counts, and announces it by mail through the outbox.
-- The user downloads it through the `data-export-download` Edge Function, which signs a
-- short-lived URL while the export lives (7 days) and refuses once it has expired; the job then
-- removes the object.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('data-exports', 'data-exports', false, 524288000, array['application/json'])
on conflict (id) do update
set public = excluded.public,
    file_size_limit = excluded.file_size_limit,
    allowed_mime_types = excluded.allowed_mime_types;

-- The outbox's one list of templates (as 20261202000100 keeps it), plus the export's notice.
alter table private.mail_outbox drop constraint mail_outbox_template_check;
alter table private.mail_outbox add constraint mail_outbox_template_check
  check (template in ('security_report_ack', 'incident_notice', 'data_export_ready'));

-- How long a finished export can be downloaded.
create function private.data_export_lifetime()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '7 days';
$$;

create table private.data_exports (
  id uuid primary key default gen_random_uuid(),
  dsr_id uuid not null references private.dsr_requests (id) on delete cascade,
  -- Null once the account is erased (its export is then removed like an expired one).
  user_id uuid,
  status text not null default 'pending' check (status in ('pending', 'ready')),
  requested_at timestamptz not null,
  attempts integer not null default 0,
  leased_until timestamptz,
  lease_token uuid,
  last_error text check (char_length(last_error) <= 500),
  -- `<export id>.json` in the bucket data-exports: ids only.
  object_name text check (object_name ~ '^[0-9a-f-]{36}\.json$'),
  ready_at timestamptz,
  expires_at timestamptz,
  check ((status = 'ready') = (object_name is not null and ready_at is not null
    and expires_at is not null))
);
create index data_exports_user_idx on private.data_exports (user_id, requested_at desc);
create index data_exports_dsr_idx on private.data_exports (dsr_id);
create index data_exports_pending_idx on private.data_exports (requested_at)
  where status = 'pending';
create index data_exports_expiry_idx on private.data_exports (expires_at) where status = 'ready';
alter table private.data_exports enable row level security;
alter table private.data_exports force row level security;
revoke all on private.data_exports from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Asking
-- ---------------------------------------------------------------------------------------------

-- Only the caller's own data can be asked for (any other p_user_id: 42501); a second request
-- while one is open: PT409 from the ledger, naming its reference and deadline. Nothing is
-- written for a refused request.
create function private.request_data_export(p_user_id uuid, p_regime text)
returns table (ref text, due_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('export your data');
  v_request private.dsr_requests;
begin
  if p_user_id is not null and p_user_id <> v_user then
    raise exception 'you can only export your own data' using errcode = '42501';
  end if;
  v_request := private.dsr_open('access', 'account', coalesce(p_regime, 'GDPR'), 'data_export',
    v_user, p_subject_user_id => v_user);
  insert into private.data_exports (dsr_id, user_id, requested_at)
  values (v_request.id, v_user, v_request.received_at);
  return query select v_request.ref, v_request.due_at;
end;
$$;

create function public.request_data_export(p_user_id uuid default null, p_regime text default 'GDPR')
returns table (ref text, due_at timestamptz)
language sql
security invoker
set search_path = ''
as $$
  select * from private.request_data_export(p_user_id, p_regime);
$$;

-- ---------------------------------------------------------------------------------------------
-- Building (the data-export job)
-- ---------------------------------------------------------------------------------------------

-- The oldest pending export whose lease is free, with a fresh lease (a row of nulls if none).
create function private.data_export_claim(p_lease interval default interval '5 minutes')
returns private.data_exports
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row private.data_exports;
begin
  update private.data_exports e
  set lease_token = gen_random_uuid(), leased_until = private.current_time() + p_lease,
      attempts = e.attempts + 1
  where e.id = (select c.id from private.data_exports c
                where c.status = 'pending' and c.user_id is not null
                  and (c.leased_until is null or c.leased_until < private.current_time())
                order by c.requested_at
                limit 1
                for update skip locked)
  returning * into v_row;
  return v_row;
end;
$$;

-- The export's row, if the caller holds its lease; else P0002.
create function private.data_export_leased(p_export_id uuid, p_lease_token uuid)
returns private.data_exports
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_row private.data_exports;
begin
  select * into v_row from private.data_exports e
  where e.id = p_export_id and e.lease_token = p_lease_token and e.status = 'pending'
    and e.user_id is not null;
  if v_row.id is null then
    raise exception 'this export is not leased by the caller' using errcode = 'P0002';
  end if;
  return v_row;
end;
$$;

-- One page of one section of the archive: {"items": [...], "next": cursor or null}. Sections
-- and their fields are docs/DATA_SUBJECT_RIGHTS.md's schema; every page is at most p_limit
-- items, read by a keyset cursor, so no call grows with the account.
create function private.data_export_page(
  p_export_id uuid, p_lease_token uuid, p_section text, p_after text, p_limit integer
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.data_export_leased(p_export_id, p_lease_token)).user_id;
  v_limit integer := least(greatest(coalesce(p_limit, 500), 1), 5000);
  v_items jsonb;
  v_next text;
begin
  case p_section
  when 'account' then
    select jsonb_agg(jsonb_build_object('user_id', u.id, 'email', u.email, 'phone', u.phone,
        'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at,
        'display_name', p.display_name, 'profile_updated_at', p.updated_at))
    into v_items
    from auth.users u left join public.profiles p on p.id = u.id
    where u.id = v_user;
  when 'memberships' then
    select jsonb_agg(jsonb_build_object('org_id', m.org_id, 'organization', o.name,
        'role', m.role, 'since', m.created_at) order by m.org_id),
      max(m.org_id::text)
    into v_items, v_next
    from (select * from public.memberships m where m.user_id = v_user
            and m.org_id::text > coalesce(p_after, '') order by m.org_id limit v_limit) m
    join public.organizations o on o.id = m.org_id;
  when 'membership_history' then
    select jsonb_agg(jsonb_build_object('org_id', h.org_id, 'event', h.event, 'role', h.role,
        'reason', h.reason, 'occurred_at', h.occurred_at) order by h.id),
      max(h.id)::text
    into v_items, v_next
    from (select * from audit.membership_events h where h.user_id = v_user
            and h.id > coalesce(p_after::bigint, 0) order by h.id limit v_limit) h;
  when 'invitations_received' then
    select jsonb_agg(jsonb_build_object('org_id', i.org_id, 'role', i.role,
        'invited_by', i.invited_by, 'created_at', i.created_at) order by i.org_id),
      max(i.org_id::text)
    into v_items, v_next
    from (select * from public.invitations i where i.user_id = v_user
            and i.org_id::text > coalesce(p_after, '') order by i.org_id limit v_limit) i;
  when 'invitations_sent' then
    -- Whom they invited is the invitee's data: only where, which role and when.
    select jsonb_agg(jsonb_build_object('org_id', i.org_id, 'role', i.role,
        'created_at', i.created_at) order by i.org_id, i.user_id),
      max(i.org_id::text || '/' || i.user_id::text)
    into v_items, v_next
    from (select * from public.invitations i where i.invited_by = v_user
            and (i.org_id::text || '/' || i.user_id::text) > coalesce(p_after, '')
          order by i.org_id, i.user_id limit v_limit) i;
  when 'organizations_created' then
    select jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'created_at', o.created_at)
        order by o.id),
      max(o.id::text)
    into v_items, v_next
    from (select * from public.organizations o where o.created_by = v_user
            and o.id::text > coalesce(p_after, '') order by o.id limit v_limit) o;
  when 'surveys_created' then
    select jsonb_agg(jsonb_build_object('id', s.id, 'org_id', s.org_id, 'title', s.title,
        'slug', s.slug, 'created_at', s.created_at, 'deleted_at', s.deleted_at) order by s.id),
      max(s.id::text)
    into v_items, v_next
    from (select * from public.surveys s where s.created_by = v_user
            and s.id > coalesce(p_after::uuid, '00000000-0000-0000-0000-000000000000')
          order by s.id limit v_limit) s;
  when 'recordings_created' then
    select jsonb_agg(jsonb_build_object('id', r.id, 'org_id', r.org_id,
        'survey_id', r.survey_id, 'duration_ms', r.duration_ms, 'mime_type', r.mime_type,
        'created_at', r.created_at) order by r.id),
      max(r.id::text)
    into v_items, v_next
    from (select * from public.recordings r where r.created_by = v_user
            and r.id > coalesce(p_after::uuid, '00000000-0000-0000-0000-000000000000')
          order by r.id limit v_limit) r;
  when 'recording_access_log' then
    select jsonb_agg(jsonb_build_object('accessed_at', a.accessed_at, 'org_id', a.org_id,
        'survey_id', a.survey_id, 'recording_id', a.recording_id,
        'access_path', a.access_path) order by a.accessed_at, a.object_name),
      max(a.accessed_at::text || '|' || a.object_name)
    into v_items, v_next
    from (select * from audit.recording_access a where a.user_id = v_user
            and (p_after is null or (a.accessed_at, a.object_name) >
              (split_part(p_after, '|', 1)::timestamptz, split_part(p_after, '|', 2)))
          order by a.accessed_at, a.object_name limit v_limit) a;
  else
    raise exception 'unknown export section' using errcode = '22023';
  end case;
  v_items := coalesce(v_items, '[]');
  return jsonb_build_object('items', v_items,
    'next', case when jsonb_array_length(v_items) >= v_limit and p_section <> 'account'
              then v_next end);
end;
$$;

-- The archive is stored: the export is ready for 7 days, the ledger entry completes with the
-- counts, and the notice is queued (reference and expiry only; the link is fetched signed in).
create function private.data_export_finish(
  p_export_id uuid, p_lease_token uuid, p_object_name text, p_counts jsonb
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_export private.data_exports := private.data_export_leased(p_export_id, p_lease_token);
  v_now timestamptz := private.current_time();
  v_request private.dsr_requests;
  v_email text;
begin
  update private.data_exports e
  set status = 'ready', object_name = p_object_name, ready_at = v_now,
      expires_at = v_now + private.data_export_lifetime(), lease_token = null,
      leased_until = null, last_error = null
  where e.id = v_export.id;
  v_request := private.dsr_complete(v_export.dsr_id, p_counts, 'data_export');
  select u.email into v_email from auth.users u where u.id = v_export.user_id;
  if coalesce(v_email, '') <> '' then
    perform private.mail_enqueue(v_email, 'data_export_ready', jsonb_build_object(
      'reference', v_request.ref, 'expires_at', v_now + private.data_export_lifetime()));
  end if;
  return jsonb_build_object('ref', v_request.ref,
    'expires_at', v_now + private.data_export_lifetime(), 'mailed', coalesce(v_email, '') <> '');
end;
$$;

-- A failed build: recorded (a short code or message, no data) and released for the next run.
create function private.data_export_fail(p_export_id uuid, p_lease_token uuid, p_error text)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.data_exports e
  set last_error = left(p_error, 500), lease_token = null,
      leased_until = private.current_time() + least(interval '30 seconds' * power(2, e.attempts),
        interval '1 hour')
  where e.id = p_export_id and e.lease_token = p_lease_token;
$$;

-- Ready exports past their life, or whose account was erased: their objects leave Storage.
create function private.data_export_expired(p_limit integer default 100)
returns table (id uuid, object_name text)
language sql
stable
security definer
set search_path = ''
as $$
  select e.id, e.object_name from private.data_exports e
  where e.status = 'ready' and (e.expires_at <= private.current_time() or e.user_id is null)
  order by e.expires_at
  limit p_limit;
$$;

-- Exports whose objects are gone leave (the ledger keeps the record); also erased accounts'
-- exports that never got built.
create function private.data_export_removed(p_ids uuid[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_n integer;
begin
  delete from private.data_exports e
  where e.id = any (p_ids) or (e.user_id is null and e.status = 'pending');
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Downloading (the data-export-download Edge Function, as the caller)
-- ---------------------------------------------------------------------------------------------

-- The caller's latest export: P0002 when they have none, 55000 while it is being built, PT410
-- once it has expired (the object is then removed; a new export can be requested).
create function private.data_export_download()
returns table (ref text, object_name text, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('download your data');
  v_export private.data_exports;
begin
  select * into v_export from private.data_exports e
  where e.user_id = v_user order by e.requested_at desc limit 1;
  if v_export.id is null then
    raise exception 'no data export for this account' using errcode = 'P0002';
  end if;
  if v_export.status = 'pending' then
    raise exception 'the export is being prepared' using errcode = '55000';
  end if;
  if v_export.expires_at <= private.current_time() then
    raise exception 'this export has expired: request a new one' using errcode = 'PT410';
  end if;
  return query select r.ref, v_export.object_name, v_export.expires_at
    from private.dsr_requests r where r.id = v_export.dsr_id;
end;
$$;

create function public.data_export_download()
returns table (ref text, object_name text, expires_at timestamptz)
language sql
security invoker
set search_path = ''
as $$
  select * from private.data_export_download();
$$;

-- An erased account's exports are forgotten with it: the ledger forgets the id
-- (private.dsr_forget_user), and its exports lose it too, so the job removes their objects.
create function private.data_export_forget_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update private.data_exports e set user_id = null where e.user_id = old.user_id;
  return null;
end;
$$;

create trigger data_export_forget_user
after delete on private.account_erasure_requests
for each row when (old.status = 'in_progress' and old.step = 'erase_user')
execute function private.data_export_forget_user();

-- Health: an export that keeps failing, or waits an hour unbuilt (the job runs every 5 minutes),
-- is red long before the ledger's deadline check would notice it.
create function private.data_export_health()
returns table (check_name text, ok boolean, detail jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_late jsonb;
begin
  select coalesce(jsonb_agg(jsonb_build_object('ref', r.ref, 'requested_at', e.requested_at,
      'attempts', e.attempts, 'last_error', e.last_error) order by e.requested_at), '[]')
  into v_late
  from private.data_exports e join private.dsr_requests r on r.id = e.dsr_id
  where e.status = 'pending' and e.user_id is not null
    and (e.attempts >= 3 or e.requested_at <= private.current_time() - interval '1 hour');
  check_name := 'data_exports_built';
  ok := jsonb_array_length(v_late) = 0;
  detail := jsonb_build_object('late_or_failing', v_late);
  return next;
end;
$$;

insert into private.job_health_checks (check_function, position) values
  ('private.data_export_health()', 70);

revoke all on function
  private.data_export_health(),
  private.data_export_lifetime(),
  private.request_data_export(uuid, text),
  public.request_data_export(uuid, text),
  private.data_export_claim(interval),
  private.data_export_leased(uuid, uuid),
  private.data_export_page(uuid, uuid, text, text, integer),
  private.data_export_finish(uuid, uuid, text, jsonb),
  private.data_export_fail(uuid, uuid, text),
  private.data_export_expired(integer),
  private.data_export_removed(uuid[]),
  private.data_export_download(),
  public.data_export_download(),
  private.data_export_forget_user()
from public, anon, authenticated, service_role;
grant execute on function
  private.request_data_export(uuid, text),
  public.request_data_export(uuid, text),
  private.data_export_download(),
  public.data_export_download()
to authenticated;

-- Every 5 minutes, through the Edge Function `data-export` (the job runtime).
select cron.schedule('cluso-data-export', '*/5 * * * *',
  $$select private.job_invoke('data-export')$$);
