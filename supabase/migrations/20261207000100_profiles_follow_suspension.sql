-- Co-members' profiles follow the role helper, so a suspended organisation hides them too.
--
-- private.user_co_member_ids() (the profiles read policy) joined memberships itself. Suspending an
-- organisation (20261204000200_incident_containment.sql) redefined the role helper
-- private.user_org_ids(), which every other policy and function reads, so the organisation's
-- surveys, members and recordings went dark at once, but its members could still list each
-- other's profiles. It now reads the caller's organisations from the role helper, so suspension
-- (and whatever the helper decides next) reaches the profiles as well.

create or replace function private.user_co_member_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select distinct m.user_id
    from public.memberships m
    where m.org_id = any (private.user_org_ids())
  );
end;
$$;
