-- Membership history: who was a member of which organisation, with which role, at any time T.
-- Every join, role change and removal (by the member, an admin, the organisation's deletion or
-- the account's erasure) appends one event; audit.org_members_at() and audit.user_orgs_at()
-- replay them. A breach report ("who could hear this survey last March?") reads those.
--
-- Like the audit trail it sits beside (docs/AUDIT.md), it is append-only for every role, owned
-- by the NOLOGIN cluso_audit_owner, and holds ids, a role, a reason code and a time only: no
-- names or emails. Erasure leaves it, as it leaves the membership.removed events that already
-- carry the same ids: the user id alone is a pseudonym once the account is gone. Times are
-- clock_timestamp(), so changes made in one transaction keep their order.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

create table audit.membership_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default clock_timestamp(),
  org_id uuid not null,
  user_id uuid not null,
  event text not null check (event in ('joined', 'role_changed', 'removed')),
  -- The role from this event on; null once removed.
  role public.org_role,
  -- For a removal: member_left, member_removed, organization_deleted, account_erasure, cascade.
  reason text check (reason ~ '^[a-z][a-z0-9_]{0,39}$'),
  check ((event = 'removed') = (role is null)),
  check ((event = 'removed') = (reason is not null))
);
comment on table audit.membership_events is
  'Append-only history of memberships: joins, role changes and removals, by organisation and user.';
-- "Members of org at T" and "orgs of user at T": the latest event before T per pair.
create index membership_events_org_idx on audit.membership_events (org_id, user_id, occurred_at);
create index membership_events_user_idx on audit.membership_events (user_id, org_id, occurred_at);
alter table audit.membership_events enable row level security;
alter table audit.membership_events force row level security;
revoke all on audit.membership_events from public;
grant select on audit.membership_events to postgres, service_role;
create policy membership_events_owner_appends on audit.membership_events for insert
  to cluso_audit_owner with check (user_id is not null);
create policy membership_events_owner_reads on audit.membership_events for select
  to cluso_audit_owner using (user_id is not null);

create trigger membership_events_append_only before update or delete on audit.membership_events
  for each row execute function audit.refuse_change();
create trigger membership_events_no_truncate before truncate on audit.membership_events
  for each statement execute function audit.refuse_change();

-- Appends membership events (one per array position); the only way in.
create function audit.append_membership_events(
  p_org_ids uuid[], p_user_ids uuid[], p_events text[], p_roles public.org_role[],
  p_reasons text[]
)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into audit.membership_events (org_id, user_id, event, role, reason)
  select x.org_id, x.user_id, x.event, x.role, x.reason
  from unnest(p_org_ids, p_user_ids, p_events, p_roles, p_reasons)
    as x(org_id, user_id, event, role, reason);
$$;

-- Members of an organisation, with their role and since when they held it, at p_at.
create function audit.org_members_at(p_org_id uuid, p_at timestamptz)
returns table (user_id uuid, role public.org_role, since timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select l.user_id, l.role, l.occurred_at
  from (
    select distinct on (e.user_id) e.user_id, e.role, e.occurred_at, e.event
    from audit.membership_events e
    where e.org_id = p_org_id and e.occurred_at <= p_at
    order by e.user_id, e.occurred_at desc, e.id desc
  ) l
  where l.event <> 'removed'
  order by l.user_id;
$$;

-- Organisations a user belonged to, with their role and since when they held it, at p_at.
create function audit.user_orgs_at(p_user_id uuid, p_at timestamptz)
returns table (org_id uuid, role public.org_role, since timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select l.org_id, l.role, l.occurred_at
  from (
    select distinct on (e.org_id) e.org_id, e.role, e.occurred_at, e.event
    from audit.membership_events e
    where e.user_id = p_user_id and e.occurred_at <= p_at
    order by e.org_id, e.occurred_at desc, e.id desc
  ) l
  where l.event <> 'removed'
  order by l.org_id;
$$;

revoke all on function
  audit.append_membership_events(uuid[], uuid[], text[], public.org_role[], text[]),
  audit.org_members_at(uuid, timestamptz),
  audit.user_orgs_at(uuid, timestamptz)
from public;
-- The triggers' function (owned by postgres) appends; ops ask the history.
grant execute on function
  audit.append_membership_events(uuid[], uuid[], text[], public.org_role[], text[]),
  audit.org_members_at(uuid, timestamptz),
  audit.user_orgs_at(uuid, timestamptz)
to postgres;

reset role;
-- The memberships that exist when this migration runs start at their created_at: what came
-- before was never recorded. (Written as postgres, which reads memberships, while it still
-- holds the owner's role.)
insert into audit.membership_events (occurred_at, org_id, user_id, event, role)
select m.created_at, m.org_id, m.user_id, 'joined', m.role from public.memberships m;
revoke cluso_audit_owner from postgres;

-- One trigger function for the three statements on public.memberships. A removal's reason is
-- the audit trail's (private.org_user_removal_reason).
create function private.record_membership_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
  v_rows record;
begin
  if tg_op = 'INSERT' then
    select array_agg(n.org_id) as orgs, array_agg(n.user_id) as users,
      array_agg('joined'::text) as events, array_agg(n.role) as roles,
      array_agg(null::text) as reasons
    into v_rows from new_rows n;
  elsif tg_op = 'UPDATE' then
    select array_agg(n.org_id) as orgs, array_agg(n.user_id) as users,
      array_agg('role_changed'::text) as events, array_agg(n.role) as roles,
      array_agg(null::text) as reasons
    into v_rows
    from old_rows o
    join new_rows n on n.org_id = o.org_id and n.user_id = o.user_id
    where n.role is distinct from o.role;
  else
    select array_agg(o.org_id) as orgs, array_agg(o.user_id) as users,
      array_agg('removed'::text) as events, array_agg(null::public.org_role) as roles,
      array_agg(private.org_user_removal_reason(o.org_id, o.user_id, v_actor, 'member_left',
        'member_removed')) as reasons
    into v_rows from old_rows o;
  end if;
  if v_rows.orgs is not null then
    perform audit.append_membership_events(v_rows.orgs, v_rows.users, v_rows.events,
      v_rows.roles, v_rows.reasons);
  end if;
  return null;
end;
$$;
revoke all on function private.record_membership_events()
  from public, anon, authenticated, service_role;

create trigger memberships_history_joined after insert on public.memberships
  referencing new table as new_rows
  for each statement execute function private.record_membership_events();
create trigger memberships_history_role_changed after update on public.memberships
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.record_membership_events();
create trigger memberships_history_removed after delete on public.memberships
  referencing old table as old_rows
  for each statement execute function private.record_membership_events();
