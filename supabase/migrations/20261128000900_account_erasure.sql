-- Account erasure: everything associated with a user is removed within 7 days of the request.
-- What "all associated data" means is written once, in docs/ACCOUNT_ERASURE.md; this migration
-- enforces it. Processing is a sequence of short, resumable steps; each records its progress in
-- the request, so a crash resumes where it stopped and two runners never work on the same
-- request.

create table private.account_erasure_requests (
  id uuid primary key default gen_random_uuid(),
  -- No foreign key: the request must outlive the auth user until the erasure completes.
  user_id uuid not null unique,
  requested_at timestamptz not null,
  due_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'in_progress')),
  step text not null default 'transfer_ownership'
    check (step in ('transfer_ownership', 'delete_solo_organizations', 'erase_user')),
  progress jsonb not null default '{}',
  attempts integer not null default 0,
  started_at timestamptz,
  leased_until timestamptz,
  lease_token uuid,
  last_error text,
  check (due_at = requested_at + interval '7 days')
);
create index account_erasure_requests_due_idx on private.account_erasure_requests (due_at);
alter table private.account_erasure_requests enable row level security;
revoke all on private.account_erasure_requests from anon, authenticated, service_role;

create function private.account_erasure_window()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '7 days';
$$;

-- The user's standing in each organisation they belong to: the one definition the erasure
-- steps share of "alone in it" (the organisation goes with the user) and "its only owner"
-- (ownership must pass on first).
create function private.user_org_standing(p_user_id uuid)
returns table (org_id uuid, role public.org_role, only_member boolean, only_owner boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select m.org_id, m.role,
    not exists (select 1 from public.memberships o
                where o.org_id = m.org_id and o.user_id <> p_user_id),
    m.role = 'owner' and not exists (select 1 from public.memberships o
                where o.org_id = m.org_id and o.role = 'owner' and o.user_id <> p_user_id)
  from public.memberships m
  where m.user_id = p_user_id;
$$;
revoke all on function private.user_org_standing(uuid)
  from public, anon, authenticated, service_role;

-- Signed-in users ask for their own account's deletion.
create function private.request_account_erasure(p_user_id uuid)
returns table (request_id uuid, requested_at timestamptz, due_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('delete your account');
  v_now timestamptz := private.current_time();
  v_open private.account_erasure_requests;
  v_id uuid;
begin
  if p_user_id is not null and p_user_id <> v_user then
    raise exception 'you can only request the deletion of your own account' using errcode = '42501';
  end if;
  select * into v_open from private.account_erasure_requests r where r.user_id = v_user;
  if found then
    raise exception 'a deletion request for this account is already open (due %)', v_open.due_at
      using errcode = 'PT409';
  end if;
  insert into private.account_erasure_requests (user_id, requested_at, due_at)
  values (v_user, v_now, v_now + private.account_erasure_window())
  returning id into v_id;
  perform audit.record_event('account.erasure_requested', null, 'auth.users', v_user::text,
    'user_request', '{}', p_actor_id => v_user);
  return query select v_id, v_now, v_now + private.account_erasure_window();
end;
$$;

-- Users may cancel while the erasure has not started.
create function private.cancel_account_erasure()
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('cancel your account deletion');
  v_open private.account_erasure_requests;
begin
  select * into v_open from private.account_erasure_requests r where r.user_id = v_user for update;
  if not found then
    raise exception 'there is no open deletion request for this account' using errcode = 'P0002';
  end if;
  if v_open.status <> 'pending' then
    raise exception 'the deletion of this account has already started and cannot be cancelled'
      using errcode = 'PT409';
  end if;
  delete from private.account_erasure_requests r where r.id = v_open.id;
  perform audit.record_event('account.erasure_cancelled', null, 'auth.users', v_user::text,
    'user_request', '{}', p_actor_id => v_user);
end;
$$;

create function private.my_account_erasure()
returns table (request_id uuid, requested_at timestamptz, due_at timestamptz, status text)
language sql
stable
security definer
set search_path = ''
as $$
  select r.id, r.requested_at, r.due_at, r.status
  from private.account_erasure_requests r where r.user_id = (select auth.uid());
$$;

grant execute on function
  private.request_account_erasure(uuid),
  private.cancel_account_erasure(),
  private.my_account_erasure()
to authenticated;

create function public.request_account_erasure(p_user_id uuid default null)
returns table (request_id uuid, requested_at timestamptz, due_at timestamptz)
language sql
security invoker
set search_path = ''
as $$
  select * from private.request_account_erasure(p_user_id);
$$;
comment on function public.request_account_erasure(uuid) is
  'Asks for the deletion of the caller''s account and all associated data, completed within 7 days.';

create function public.cancel_account_erasure()
returns void
language sql
security invoker
set search_path = ''
as $$
  select private.cancel_account_erasure();
$$;
comment on function public.cancel_account_erasure() is
  'Withdraws the caller''s account deletion request, while it has not started.';

create function public.my_account_erasure()
returns table (request_id uuid, requested_at timestamptz, due_at timestamptz, status text)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.my_account_erasure();
$$;
comment on function public.my_account_erasure() is 'The caller''s open account deletion request, if any.';

grant execute on function
  public.request_account_erasure(uuid),
  public.cancel_account_erasure(),
  public.my_account_erasure()
to authenticated;

-- The job takes every open request as soon as it can (the promise is "within" 7 days), oldest
-- deadline first. The lease keeps a second runner away; an expired lease (crashed runner)
-- makes the request available again, and it resumes at its recorded step.
create function private.account_erasure_claim(p_lease interval default interval '5 minutes')
returns private.account_erasure_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_request private.account_erasure_requests;
begin
  update private.account_erasure_requests r
  set status = 'in_progress', started_at = coalesce(r.started_at, v_now), attempts = r.attempts + 1,
    leased_until = v_now + p_lease, lease_token = gen_random_uuid()
  where r.id = (
    select d.id from private.account_erasure_requests d
    where d.leased_until is null or d.leased_until <= v_now
    order by d.due_at, d.id
    limit 1
    for update skip locked
  )
  returning r.* into v_request;
  return v_request;
end;
$$;

-- One bounded unit of work on a claimed request; returns {step, done, ...}. Refused when the
-- caller's lease was lost, so a runner that stalled cannot interleave with its successor.
create function private.account_erasure_step(
  p_request_id uuid, p_lease_token uuid, p_batch_size integer default 200,
  p_lease interval default interval '5 minutes'
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_request private.account_erasure_requests;
  v_user uuid;
  v_org uuid;
  v_surveys uuid[];
  v_counts jsonb;
  v_email text;
  v_phone text;
  v_n bigint;
  v_result jsonb;
begin
  select * into v_request from private.account_erasure_requests r
  where r.id = p_request_id for update;
  if not found then
    raise exception 'account erasure request % not found', p_request_id using errcode = 'P0002';
  end if;
  -- Fails closed: a request nobody holds (null token or lease) is never worked on.
  if p_lease_token is null or v_request.lease_token is distinct from p_lease_token
    or v_request.leased_until is null or v_request.leased_until <= v_now then
    raise exception 'the lease on account erasure request % was lost', p_request_id
      using errcode = '55P03';
  end if;
  v_user := v_request.user_id;

  if v_request.step = 'transfer_ownership' then
    -- Sole owner of an organisation with other members: the longest-standing admin (else
    -- member) becomes owner. Serialised per organisation by locking its row.
    v_n := 0;
    for v_org in
      select o.org_id from private.user_org_standing(v_user) o
      where o.only_owner and not o.only_member
      order by o.org_id
    loop
      perform 1 from public.organizations o where o.id = v_org for update;
      update public.memberships m set role = 'owner'
      where (m.org_id, m.user_id) = (
        select c.org_id, c.user_id from public.memberships c
        where c.org_id = v_org and c.user_id <> v_user
        order by (c.role = 'admin') desc, c.created_at, c.user_id
        limit 1
      );
      perform audit.record_event('organization.owner_transferred', v_org, 'public.organizations',
        v_org::text, 'account_erasure', '{}', p_actor_job => 'account_erasure');
      v_n := v_n + 1;
    end loop;
    v_request.progress := v_request.progress || jsonb_build_object('ownership_transferred', v_n);
    v_request.step := 'delete_solo_organizations';
    v_result := jsonb_build_object('step', 'transfer_ownership', 'organizations', v_n);

  elsif v_request.step = 'delete_solo_organizations' then
    -- One organisation at a time, at most p_batch_size surveys per call.
    select o.org_id into v_org from private.user_org_standing(v_user) o
    where o.only_member
    order by o.org_id
    limit 1;
    if v_org is null then
      v_request.step := 'erase_user';
      v_result := jsonb_build_object('step', 'delete_solo_organizations', 'finished', true);
    else
      select array_agg(id) into v_surveys from (
        select s.id from public.surveys s where s.org_id = v_org
        order by s.id limit p_batch_size for update
      ) batch;
      if v_surveys is not null then
        v_counts := private.hard_delete_surveys(v_surveys, 'account_erasure', 'account_erasure');
        v_request.progress := v_request.progress || jsonb_build_object(
          'surveys_deleted', coalesce((v_request.progress ->> 'surveys_deleted')::bigint, 0)
            + (v_counts ->> 'surveys')::bigint);
        v_result := jsonb_build_object('step', 'delete_solo_organizations', 'organization', v_org,
          'surveys', v_counts -> 'surveys');
      else
        perform private.organization_deletion_perform(v_org, 'account_erasure', 'account_erasure', null);
        v_request.progress := v_request.progress || jsonb_build_object(
          'organizations_deleted',
          coalesce((v_request.progress ->> 'organizations_deleted')::bigint, 0) + 1);
        v_result := jsonb_build_object('step', 'delete_solo_organizations', 'organization', v_org,
          'organization_deleted', true);
      end if;
    end if;

  else
    -- erase_user: everything left, in one transaction. Lock the user first: from here on no
    -- membership can be added for them (the foreign key check takes KEY SHARE on this row).
    -- The user is still signed in until this step, so an organisation they created or opened
    -- up since the earlier steps sends the request back to them instead of being left behind
    -- without members (its data kept forever) or without an owner.
    perform 1 from auth.users u where u.id = v_user for update;
    -- And the organisations they are in (in id order): a co-member's erasure running at the
    -- same moment waits here, then sees this one's result instead of both leaving the
    -- organisation without members.
    perform 1 from public.organizations o
    where o.id in (select m.org_id from public.memberships m where m.user_id = v_user)
    order by o.id
    for update;
    if exists (
      select 1 from private.user_org_standing(v_user) o where o.only_member or o.only_owner
    ) then
      update private.account_erasure_requests r
      set step = 'transfer_ownership', leased_until = v_now + p_lease, last_error = null
      where r.id = p_request_id;
      return jsonb_build_object('step', 'erase_user', 'restarted', true, 'done', false);
    end if;
    -- An empty email or phone names nobody (it would match every empty field).
    select nullif(u.email, ''), nullif(u.phone, '') into v_email, v_phone
    from auth.users u where u.id = v_user;
    update storage.objects o set owner = null, owner_id = null
    where o.owner = v_user or o.owner_id = v_user::text;
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('storage_owner_cleared', v_n);
    -- refresh_tokens.user_id is text with no foreign key, so it is not cascaded.
    delete from auth.refresh_tokens t where t.user_id = v_user::text;
    delete from auth.flow_state f where f.user_id = v_user;
    -- GoTrue writes the user's id and email into its own audit log.
    delete from auth.audit_log_entries a
    -- The id anywhere (a uuid cannot be part of another uuid); the email or phone only as a
    -- whole value of some field (case-insensitively), never as a substring: erasing bo@corp.io
    -- must not remove jimbo@corp.io's entries, and "_" or "%" in an email are not wildcards.
    where strpos(a.payload::text, v_user::text) > 0
       or exists (
         select 1
         from jsonb_path_query(a.payload::jsonb, 'strict $.**') as v(value)
         where jsonb_typeof(v.value) = 'string'
           and (lower(v.value #>> '{}') = lower(v_email) or v.value #>> '{}' = v_phone)
       );
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('auth_log_entries_deleted', v_n);
    select count(*) into v_n from public.memberships m where m.user_id = v_user;
    v_request.progress := v_request.progress || jsonb_build_object('memberships_removed', v_n);
    -- Cascades to the profile, memberships, identities, sessions (and their refresh tokens),
    -- MFA factors and one-time tokens; authorship columns become null.
    delete from auth.users u where u.id = v_user;
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('auth_user_deleted', v_n = 1);
    perform audit.record_event('account.erased', null, 'auth.users', v_user::text,
      'account_erasure',
      (select jsonb_object_agg(k, v) from jsonb_each(v_request.progress) as p(k, v)
       where jsonb_typeof(v) in ('number', 'boolean')),
      p_actor_job => 'account_erasure');
    delete from private.account_erasure_requests r where r.id = p_request_id;
    return jsonb_build_object('step', 'erase_user', 'done', true, 'progress', v_request.progress);
  end if;

  update private.account_erasure_requests r
  set step = v_request.step, progress = v_request.progress, leased_until = v_now + p_lease,
    last_error = null
  where r.id = p_request_id;
  return v_result || jsonb_build_object('done', false);
end;
$$;

-- A runner that hits an error records it and lets the lease go, so the next run retries.
create function private.account_erasure_fail(p_request_id uuid, p_lease_token uuid, p_error text)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.account_erasure_requests r
  set last_error = left(p_error, 2000), leased_until = null, lease_token = null
  where r.id = p_request_id and r.lease_token = p_lease_token;
$$;

-- What ops watch: every open request, and whether it is past its deadline (which makes the
-- job and job health fail). private.account_erasure_status() sums it up.
create view private.account_erasure_backlog
with (security_invoker = true)
as
  select r.id as request_id, r.user_id, r.requested_at, r.due_at, r.status, r.step, r.progress,
    r.attempts, r.started_at, r.leased_until, r.last_error,
    r.due_at <= private.current_time() as overdue
  from private.account_erasure_requests r;

create function private.account_erasure_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'open', count(*),
    'in_progress', count(*) filter (where r.status = 'in_progress'),
    'overdue', count(*) filter (where r.due_at <= private.current_time()),
    'oldest_due_at', min(r.due_at)
  )
  from private.account_erasure_requests r;
$$;

revoke all on function
  private.account_erasure_claim(interval),
  private.account_erasure_step(uuid, uuid, integer, interval),
  private.account_erasure_fail(uuid, uuid, text),
  private.account_erasure_status()
from public, anon, authenticated, service_role;
revoke all on private.account_erasure_backlog from anon, authenticated, service_role;
