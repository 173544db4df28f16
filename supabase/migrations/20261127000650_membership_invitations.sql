-- Nobody becomes a member of an organisation without agreeing to it.
-- Owners invite a user (by id); the user accepts with accept_invitation(), which turns the
-- invitation into a membership, or declines by deleting it. Until then the invitee sees none of
-- the organisation's data and the organisation sees nothing of the invitee (profiles are only
-- visible between members). Memberships can no longer be inserted by clients at all
-- (20261127000300), so every membership is either the creator's own or an accepted invitation.

create table public.invitations (
  org_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  -- Owners are made by promoting an accepted member, never by invitation.
  role public.org_role not null default 'member' check (role <> 'owner'),
  invited_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
comment on table public.invitations is
  'Pending invitations to join an organisation; accepted with accept_invitation().';
create index invitations_user_id_idx on public.invitations (user_id);
create index invitations_invited_by_idx on public.invitations (invited_by);

create trigger invitations_org_id_immutable before update of org_id on public.invitations
  for each row execute function private.forbid_org_id_change();

revoke all on public.invitations from anon, authenticated;
grant select, insert, delete on public.invitations to authenticated;
grant update (role) on public.invitations to authenticated;
alter table public.invitations enable row level security;
alter table public.invitations force row level security;

-- Owners see and manage their organisations' invitations; invitees see and decline their own.
create policy invitations_select on public.invitations for select to authenticated
  using (org_id = any ((select private.user_owner_org_ids())::uuid[])
    or user_id = (select auth.uid()));
create policy invitations_insert on public.invitations for insert to authenticated
  with check (org_id = any ((select private.user_owner_org_ids())::uuid[])
    and invited_by = (select auth.uid()));
create policy invitations_update on public.invitations for update to authenticated
  using (org_id = any ((select private.user_owner_org_ids())::uuid[]))
  with check (org_id = any ((select private.user_owner_org_ids())::uuid[]));
create policy invitations_delete on public.invitations for delete to authenticated
  using (org_id = any ((select private.user_owner_org_ids())::uuid[])
    or user_id = (select auth.uid()));

-- An invitation for someone who is already a member would be accepted into a duplicate.
-- AFTER insert, so it runs only once RLS has accepted the row: otherwise anyone could probe
-- whether a user belongs to an organisation by the error they get.
create function private.refuse_invitation_of_member()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.memberships m
             where m.org_id = new.org_id and m.user_id = new.user_id) then
    raise exception 'this user is already a member of the organisation'
      using errcode = 'PT409';
  end if;
  return new;
end;
$$;
create trigger invitations_refuse_members after insert on public.invitations
  for each row execute function private.refuse_invitation_of_member();

create function private.accept_invitation(p_org_id uuid)
returns public.memberships
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_invitation public.invitations;
  v_membership public.memberships;
begin
  if v_user is null then
    raise exception 'sign in to accept an invitation' using errcode = '42501';
  end if;
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
grant execute on function private.accept_invitation(uuid) to authenticated;

create function public.accept_invitation(p_org_id uuid)
returns public.memberships
language sql
security invoker
set search_path = ''
as $$
  select * from private.accept_invitation(p_org_id);
$$;
comment on function public.accept_invitation(uuid) is
  'Joins an organisation the caller was invited to, with the invited role.';
grant execute on function public.accept_invitation(uuid) to authenticated;

-- Declined, withdrawn or removed-with-the-organisation invitations are deletions too. Accepted
-- ones are not audited here: accepting creates the membership, whose removal is.
create function private.audit_invitation_removed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
begin
  if exists (select 1 from public.memberships m
             where m.org_id = old.org_id and m.user_id = old.user_id) then
    return old;
  end if;
  perform audit.record_event(
    'invitation.removed', old.org_id, 'public.invitations', old.user_id::text,
    private.org_user_removal_reason(old.org_id, old.user_id, v_actor, 'invitation_declined',
      'invitation_withdrawn'),
    '{}',
    p_actor_job => case when v_actor is null then 'database' end,
    p_actor_id => v_actor
  );
  return old;
end;
$$;
create trigger invitations_audit_removed after delete on public.invitations
  for each row execute function private.audit_invitation_removed();
