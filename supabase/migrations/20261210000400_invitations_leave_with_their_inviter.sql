-- An invitation leaves with the owner who sent it.
--
-- Only owners invite, but an invitation never expired and outlived its inviter: an owner about
-- to be removed (or an attacker holding an owner's session) could invite an account of their
-- own as admin, and after the removal that account accepted and was back in. Incident
-- containment (revoking sessions, suspending the organisation) never looked at invitations
-- either. Now, when an owner stops being one (removed, left, demoted), the pending invitations
-- they sent to that organisation are withdrawn in the same statement; when an account goes
-- (erased, or deleted the platform's way), every invitation it sent is withdrawn before the user
-- row, whose foreign key would otherwise only clear invited_by (and leave the invitation looking
-- like one ops made). Each withdrawal is audited by the invitations' own trigger as
-- invitation.removed, with the reason inviter_removed (private.org_user_removal_reason is
-- restated with that one reason added; the withdrawal marks itself in cluso.inviter_leaving).
-- Invitations without an inviter (created by ops as postgres) are left alone; the other owners
-- still see and manage every pending invitation.
--
-- Lock order: removing or demoting an owner locks the organisation (keep_last_owner) and then
-- the invitations it withdraws. accept_invitation locked the invitation first and the
-- organisation after (the membership's foreign key), so the two could deadlock; it now takes the
-- organisation first (KEY SHARE, what the foreign key takes anyway). It is restated whole; that
-- lock is the one change.
-- 08_membership_history MEM-018..MEM-024 check it.

create function private.withdraw_invitations_of_former_owners()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform set_config('cluso.inviter_leaving', 'true', true);
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
  perform set_config('cluso.inviter_leaving', '', true);
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

-- Before an account goes, the invitations it sent: an erasure (which marks itself in
-- cluso.erasing_user) and a platform deletion alike.
create function private.withdraw_invitations_of_deleted_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform set_config('cluso.inviter_leaving', 'true', true);
  delete from public.invitations i where i.invited_by = old.id;
  perform set_config('cluso.inviter_leaving', '', true);
  return old;
end;
$$;

revoke all on function private.withdraw_invitations_of_deleted_user()
from public, anon, authenticated, service_role;

create trigger users_withdraw_sent_invitations before delete on auth.users
  for each row execute function private.withdraw_invitations_of_deleted_user();

-- As in 20261128000200, with the organisation locked first.
create or replace function private.accept_invitation(p_org_id uuid)
returns public.memberships
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('accept an invitation');
  v_invitation public.invitations;
  v_membership public.memberships;
begin
  -- The organisation before the invitation, in the order an owner's removal takes them.
  perform 1 from public.organizations o where o.id = p_org_id for key share;
  select * into v_invitation from public.invitations i
  where i.org_id = p_org_id and i.user_id = v_user
  for update;
  if v_invitation.org_id is null then
    raise exception 'there is no invitation to organisation % for you', p_org_id
      using errcode = 'P0002';
  end if;
  -- Membership first, so the invitation's removal is recognised as accepted (not audited).
  insert into public.memberships (org_id, user_id, role)
  values (p_org_id, v_user, v_invitation.role)
  returning * into v_membership;
  delete from public.invitations i where i.org_id = p_org_id and i.user_id = v_user;
  return v_membership;
end;
$$;

-- As in 20261129000300, with invitations withdrawn because their inviter left (above) told apart
-- from those an owner withdraws by hand.
create or replace function private.org_user_removal_reason(
  p_org_id uuid, p_user_id uuid, p_actor uuid, p_by_self text, p_by_other text
)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when not exists (select 1 from public.organizations o where o.id = p_org_id)
      then 'organization_deleted'
    when current_setting('cluso.erasing_user', true) = p_user_id::text then 'account_erasure'
    when current_setting('cluso.platform_deleted_user', true) = p_user_id::text
      then 'auth_user_deleted'
    when current_setting('cluso.inviter_leaving', true) = 'true' then 'inviter_removed'
    when p_actor is null then 'cascade'
    when p_actor = p_user_id then p_by_self
    else p_by_other
  end;
$$;
