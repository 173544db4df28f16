-- Row-Level Security for every tenant table.
-- Rules: members read their organisation's data; admins and owners change it; only owners
-- manage members and the organisation itself. anon gets nothing. Policies call helpers wrapped
-- in (select ...), so each runs once per statement instead of once per row.

-- Membership helpers. Each returns an array for the calling user only, so exposing them leaks
-- nothing; policies use them as `col = any ((select private.helper())::uuid[])`, which the
-- planner evaluates once per statement (an InitPlan) and can use as an index condition.
-- SECURITY DEFINER so they read memberships without recursing into its own policies;
-- plpgsql (not sql) because plpgsql caches its query plans per connection: the bench measured
-- about 70 us per call against 160-220 us for the same query as a SQL function, which is
-- re-planned on every statement. See docs/BENCHMARKS.md.
create function private.user_org_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(select m.org_id from public.memberships m where m.user_id = auth.uid());
end;
$$;

create function private.user_admin_org_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select m.org_id from public.memberships m
    where m.user_id = auth.uid() and m.role in ('owner', 'admin')
  );
end;
$$;

create function private.user_owner_org_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select m.org_id from public.memberships m
    where m.user_id = auth.uid() and m.role = 'owner'
  );
end;
$$;

-- Soft-deleted surveys of the caller's organisations. Children of a deleted survey disappear
-- from every read the moment the survey is deleted, without touching the children: their
-- policies exclude these ids. The trash is small, so this costs little whatever the number of
-- live surveys (listing live surveys instead cost O(surveys) per statement).
create function private.user_trashed_survey_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_orgs uuid[] := array(select m.org_id from public.memberships m where m.user_id = auth.uid());
begin
  -- `= any (array)` keeps this an index probe per organisation on surveys_org_trashed_idx.
  return array(
    select s.id from public.surveys s
    where s.org_id = any (v_orgs) and s.deleted_at is not null
  );
end;
$$;
create index surveys_org_trashed_idx on public.surveys (org_id) where deleted_at is not null;

-- Users who share at least one organisation with the caller (to show co-members' names).
create function private.user_co_member_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select distinct other.user_id
    from public.memberships mine
    join public.memberships other on other.org_id = mine.org_id
    where mine.user_id = auth.uid()
  );
end;
$$;

grant execute on function
  private.user_org_ids(),
  private.user_admin_org_ids(),
  private.user_owner_org_ids(),
  private.user_trashed_survey_ids(),
  private.user_co_member_ids()
to authenticated;

-- Least privilege: Supabase's default privileges granted every table to anon and authenticated.
-- anon gets nothing; authenticated gets exactly the commands that have a policy below.
revoke all on
  public.profiles, public.organizations, public.memberships, public.surveys,
  public.questions, public.responses, public.recordings, public.transcripts
from anon, authenticated;

-- UPDATE is granted column by column: keys, org_id, object paths, authorship and soft-delete
-- columns never change through the API (a changed user_id would swap one member for another
-- without a removal event; a changed object_path would leave the old object out of the purge).
grant select, insert on public.profiles to authenticated;
grant update (display_name) on public.profiles to authenticated;
grant select on public.organizations to authenticated;
grant update (name) on public.organizations to authenticated;
grant select, delete on public.memberships to authenticated;
grant update (role) on public.memberships to authenticated;
grant select, insert on public.surveys to authenticated;
grant update (title, slug) on public.surveys to authenticated;
grant select, insert on public.questions, public.responses, public.recordings,
  public.transcripts to authenticated;
grant update (position, prompt) on public.questions to authenticated;
grant update (respondent_ref, completed_at) on public.responses to authenticated;
grant update (duration_ms, size_bytes, mime_type) on public.recordings to authenticated;
grant update (language, body) on public.transcripts to authenticated;
-- Deliberately not granted (each goes through an audited path instead):
--   organizations insert/delete -> create_organization() / delete_organization()
--   memberships insert          -> an invitation the user accepts (20261127000650)
--   surveys delete              -> delete_survey() (soft delete), then the retention purge
--   survey children delete      -> removed with their survey (purge) or organisation

alter table public.profiles enable row level security;
alter table public.organizations enable row level security;
alter table public.memberships enable row level security;
alter table public.surveys enable row level security;
alter table public.questions enable row level security;
alter table public.responses enable row level security;
alter table public.recordings enable row level security;
alter table public.transcripts enable row level security;
-- Forced too: the owner is subject to the policies unless it bypasses RLS by role attribute
-- (postgres does, through BYPASSRLS), so no future owner role reads across tenants by accident.
alter table public.profiles force row level security;
alter table public.organizations force row level security;
alter table public.memberships force row level security;
alter table public.surveys force row level security;
alter table public.questions force row level security;
alter table public.responses force row level security;
alter table public.recordings force row level security;
alter table public.transcripts force row level security;

-- profiles
create policy profiles_select on public.profiles for select to authenticated
  using (id = (select auth.uid()) or id = any ((select private.user_co_member_ids())::uuid[]));
create policy profiles_insert on public.profiles for insert to authenticated
  with check (id = (select auth.uid()));
create policy profiles_update on public.profiles for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- organizations
create policy organizations_select on public.organizations for select to authenticated
  using (id = any ((select private.user_org_ids())::uuid[]));
create policy organizations_update on public.organizations for update to authenticated
  using (id = any ((select private.user_owner_org_ids())::uuid[]))
  with check (id = any ((select private.user_owner_org_ids())::uuid[]));

-- memberships
create policy memberships_select on public.memberships for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]));
create policy memberships_update on public.memberships for update to authenticated
  using (org_id = any ((select private.user_owner_org_ids())::uuid[]))
  with check (org_id = any ((select private.user_owner_org_ids())::uuid[]));
-- Owners remove members; anyone may leave (the last owner is stopped by a trigger).
create policy memberships_delete on public.memberships for delete to authenticated
  using (org_id = any ((select private.user_owner_org_ids())::uuid[]) or user_id = (select auth.uid()));

-- surveys: soft-deleted rows are invisible and cannot be edited; deletion is an RPC.
create policy surveys_select on public.surveys for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]) and deleted_at is null);
create policy surveys_insert on public.surveys for insert to authenticated
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[]) and deleted_at is null);
create policy surveys_update on public.surveys for update to authenticated
  using (org_id = any ((select private.user_admin_org_ids())::uuid[]) and deleted_at is null)
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[]) and deleted_at is null);

-- Survey children: same organisation AND a parent survey that is not in the trash.
create policy questions_select on public.questions for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy questions_insert on public.questions for insert to authenticated
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy questions_update on public.questions for update to authenticated
  using (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

create policy responses_select on public.responses for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy responses_insert on public.responses for insert to authenticated
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy responses_update on public.responses for update to authenticated
  using (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

create policy recordings_select on public.recordings for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy recordings_insert on public.recordings for insert to authenticated
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy recordings_update on public.recordings for update to authenticated
  using (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

create policy transcripts_select on public.transcripts for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy transcripts_insert on public.transcripts for insert to authenticated
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy transcripts_update on public.transcripts for update to authenticated
  using (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_admin_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

-- An organisation always keeps an owner. Changes to one organisation's memberships are
-- serialised on its row, so two owners cannot demote each other at the same time.
create function private.keep_last_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner') then
    return coalesce(new, old);
  end if;
  -- The organisation (or the user) is being deleted as a whole: nothing to keep.
  if not exists (select 1 from public.organizations o where o.id = old.org_id for update) then
    return old;
  end if;
  if not exists (select 1 from auth.users u where u.id = old.user_id) then
    return old;
  end if;
  if not exists (
    select 1 from public.memberships m
    where m.org_id = old.org_id and m.role = 'owner' and m.user_id <> old.user_id
  ) then
    raise exception 'the last owner of an organisation cannot leave or be demoted'
      using errcode = 'PT409', hint = 'Make another member an owner first.';
  end if;
  return coalesce(new, old);
end;
$$;

create trigger memberships_keep_last_owner before update of role or delete on public.memberships
  for each row execute function private.keep_last_owner();

-- A membership belongs to one user for good: moving it to another user would remove a member
-- (and possibly the last owner) without a removal, and add one without their consent.
create function private.forbid_membership_user_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.user_id is distinct from old.user_id then
    raise exception 'a membership cannot be moved to another user'
      using errcode = '42501', hint = 'Remove the member and add the other user instead.';
  end if;
  return new;
end;
$$;

create trigger memberships_user_id_immutable before update of user_id on public.memberships
  for each row execute function private.forbid_membership_user_change();

-- Creating an organisation makes the caller its first owner, atomically.
create function private.create_organization(p_name text)
returns public.organizations
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_org public.organizations;
begin
  if v_user is null then
    raise exception 'sign in to create an organisation' using errcode = '42501';
  end if;
  insert into public.organizations (name, created_by) values (p_name, v_user) returning * into v_org;
  insert into public.memberships (org_id, user_id, role) values (v_org.id, v_user, 'owner');
  return v_org;
end;
$$;
grant execute on function private.create_organization(text) to authenticated;

create function public.create_organization(p_name text)
returns public.organizations
language sql
security invoker
set search_path = ''
as $$
  select * from private.create_organization(p_name);
$$;
comment on function public.create_organization(text) is
  'Creates an organisation with the caller as its owner.';
grant execute on function public.create_organization(text) to authenticated;
