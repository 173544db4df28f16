-- The membership history holds its roles as its own text, not as a type postgres owns.
--
-- audit.membership_events.role was public.org_role, an enum postgres owns. Without touching a
-- row of the append-only history, postgres could rename the enum's values
-- (`alter type public.org_role rename value 'member' to 'owner'`), and every past member would
-- read as an owner: the history an incident's scope is computed from would say something else.
-- `drop type public.org_role cascade` would drop the column and the history's functions. The
-- history has no hash chain to show either. So the column becomes text, checked against the
-- three roles by a constraint the trail's owner owns; audit.append_membership_events() takes the
-- roles as text, and audit.org_members_at() / audit.user_orgs_at() answer them as text (they are
-- recreated: a function's result type cannot change in place). The trigger function that feeds
-- the history, private.record_membership_events(), is restated to pass text; nothing else calls
-- these functions with a role. 12_audit_append_only AUD-073 checks that nothing of the audit
-- schema depends on a type another role owns.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

drop function audit.append_membership_events(uuid[], uuid[], text[], public.org_role[], text[]);
drop function audit.org_members_at(uuid, timestamptz);
drop function audit.user_orgs_at(uuid, timestamptz);

alter table audit.membership_events
  alter column role type text using role::text,
  add constraint membership_events_role_check check (role in ('owner', 'admin', 'member'));

-- As in 20261201000100, the roles as text.
create function audit.append_membership_events(
  p_org_ids uuid[], p_user_ids uuid[], p_events text[], p_roles text[], p_reasons text[]
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
returns table (user_id uuid, role text, since timestamptz)
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
returns table (org_id uuid, role text, since timestamptz)
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
  audit.append_membership_events(uuid[], uuid[], text[], text[], text[]),
  audit.org_members_at(uuid, timestamptz),
  audit.user_orgs_at(uuid, timestamptz)
from public;
grant execute on function
  audit.append_membership_events(uuid[], uuid[], text[], text[], text[]),
  audit.org_members_at(uuid, timestamptz),
  audit.user_orgs_at(uuid, timestamptz)
to postgres;

reset role;
revoke cluso_audit_owner from postgres;

-- As in 20261201000100, passing the roles as text.
create or replace function private.record_membership_events()
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
      array_agg('joined'::text) as events, array_agg(n.role::text) as roles,
      array_agg(null::text) as reasons
    into v_rows from new_rows n;
  elsif tg_op = 'UPDATE' then
    select array_agg(n.org_id) as orgs, array_agg(n.user_id) as users,
      array_agg('role_changed'::text) as events, array_agg(n.role::text) as roles,
      array_agg(null::text) as reasons
    into v_rows
    from old_rows o
    join new_rows n on n.org_id = o.org_id and n.user_id = o.user_id
    where n.role is distinct from o.role;
  else
    select array_agg(o.org_id) as orgs, array_agg(o.user_id) as users,
      array_agg('removed'::text) as events, array_agg(null::text) as roles,
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
