-- An invitation leaves with the owner who sent it.
--
-- Only owners invite, but an invitation never expired and outlived its inviter: an owner about
-- to be removed (or an attacker holding an owner's session) could invite an account of their
-- own as admin, and after the removal that account accepted and was back in. Incident
-- containment (revoking sessions, suspending the organisation) never looked at invitations
-- either. Now, when an owner stops being one (removed, left, demoted, or their account erased),
-- the pending invitations they sent to that organisation are withdrawn in the same statement,
-- and each withdrawal is audited as any other (invitation.removed, by the invitations' own
-- trigger). Invitations without an inviter (created by ops as postgres) are left alone; the
-- other owners still see and manage every pending invitation.
-- 08_membership_history MEM-018..MEM-021 check it.

create function private.withdraw_invitations_of_former_owners()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    delete from public.invitations i
    using old_rows o
    where o.role = 'owner' and i.org_id = o.org_id and i.invited_by = o.user_id;
  else
    -- A transition table cannot go with a column list, so the role changes are found here:
    -- the rows that were an owner's and no longer are.
    delete from public.invitations i
    using old_rows o
    join new_rows n on n.org_id = o.org_id and n.user_id = o.user_id
    where o.role = 'owner' and n.role <> 'owner'
      and i.org_id = o.org_id and i.invited_by = o.user_id;
  end if;
  return null;
end;
$$;

revoke all on function private.withdraw_invitations_of_former_owners()
from public, anon, authenticated, service_role;

create trigger memberships_3_withdraw_invitations_on_delete
after delete on public.memberships
referencing old table as old_rows
for each statement execute function private.withdraw_invitations_of_former_owners();

create trigger memberships_3_withdraw_invitations_on_update
after update on public.memberships
referencing old table as old_rows new table as new_rows
for each statement execute function private.withdraw_invitations_of_former_owners();
