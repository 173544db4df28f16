-- Membership history: who was a member of which organisation, with which role, at any time T.
-- Every join, role change and removal (by the member, an admin, the organisation's deletion or
-- the account's erasure) closes the open period of (org, user) and, unless it was a removal,
-- opens the next one. A breach report ("who could hear this survey last March?") reads
-- private.org_members_at() / private.user_orgs_at(); nothing else writes here.
--
-- Periods hold ids, a role and timestamps only: no names or emails, so erasing a person leaves
-- the history as it is (the user id is a pseudonym once the account is gone), like the audit
-- trail. Times are clock_timestamp(), so changes made in one transaction keep their order.

create table private.membership_history (
  id bigint generated always as identity primary key,
  org_id uuid not null,
  user_id uuid not null,
  role public.org_role not null,
  valid_from timestamptz not null,
  valid_to timestamptz,
  -- Why the period ended: 'role_changed' or the removal reason of the audit trail
  -- (member_left, member_removed, organization_deleted, account_erasure, cascade).
  ended_reason text check (char_length(ended_reason) <= 40),
  check (valid_to is null or valid_to >= valid_from),
  check ((valid_to is null) = (ended_reason is null))
);
comment on table private.membership_history is
  'One row per period of (organisation, user, role); valid_to null while it lasts.';
-- One open period per (org, user); "members of org at T" and "orgs of user at T".
create unique index membership_history_open_key on private.membership_history (org_id, user_id)
  where valid_to is null;
create index membership_history_org_idx on private.membership_history (org_id, valid_from);
create index membership_history_user_idx on private.membership_history (user_id, valid_from);

alter table private.membership_history enable row level security;
alter table private.membership_history force row level security;
revoke all on private.membership_history from public, anon, authenticated, service_role;

-- The memberships that exist when this migration runs start now: their earlier history was
-- never recorded (the created_at of a row is when it was created, not every role it held).
insert into private.membership_history (org_id, user_id, role, valid_from)
select m.org_id, m.user_id, m.role, m.created_at from public.memberships m;

create function private.membership_history_joined()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.membership_history (org_id, user_id, role, valid_from)
  select n.org_id, n.user_id, n.role, clock_timestamp() from new_rows n;
  return null;
end;
$$;

create function private.membership_history_role_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
begin
  update private.membership_history h
  set valid_to = v_now, ended_reason = 'role_changed'
  from old_rows o
  join new_rows n on n.org_id = o.org_id and n.user_id = o.user_id
  where h.org_id = o.org_id and h.user_id = o.user_id and h.valid_to is null
    and n.role is distinct from o.role;
  insert into private.membership_history (org_id, user_id, role, valid_from)
  select n.org_id, n.user_id, n.role, v_now
  from old_rows o
  join new_rows n on n.org_id = o.org_id and n.user_id = o.user_id
  where n.role is distinct from o.role;
  return null;
end;
$$;

create function private.membership_history_removed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
begin
  update private.membership_history h
  set valid_to = clock_timestamp(),
    ended_reason = private.org_user_removal_reason(o.org_id, o.user_id, v_actor, 'member_left',
      'member_removed')
  from old_rows o
  where h.org_id = o.org_id and h.user_id = o.user_id and h.valid_to is null;
  return null;
end;
$$;

create trigger memberships_history_joined after insert on public.memberships
  referencing new table as new_rows
  for each statement execute function private.membership_history_joined();
create trigger memberships_history_role_changed after update on public.memberships
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.membership_history_role_changed();
create trigger memberships_history_removed after delete on public.memberships
  referencing old table as old_rows
  for each statement execute function private.membership_history_removed();

-- Members of an organisation, with their role, at p_at (periods are [valid_from, valid_to)).
create function private.org_members_at(p_org_id uuid, p_at timestamptz)
returns table (user_id uuid, role public.org_role, valid_from timestamptz, valid_to timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select h.user_id, h.role, h.valid_from, h.valid_to
  from private.membership_history h
  where h.org_id = p_org_id and h.valid_from <= p_at
    and (h.valid_to is null or h.valid_to > p_at)
  order by h.user_id;
$$;

-- Organisations a user belonged to, with their role, at p_at.
create function private.user_orgs_at(p_user_id uuid, p_at timestamptz)
returns table (org_id uuid, role public.org_role, valid_from timestamptz, valid_to timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select h.org_id, h.role, h.valid_from, h.valid_to
  from private.membership_history h
  where h.user_id = p_user_id and h.valid_from <= p_at
    and (h.valid_to is null or h.valid_to > p_at)
  order by h.org_id;
$$;

revoke all on function
  private.membership_history_joined(),
  private.membership_history_role_changed(),
  private.membership_history_removed(),
  private.org_members_at(uuid, timestamptz),
  private.user_orgs_at(uuid, timestamptz)
from public, anon, authenticated, service_role;
