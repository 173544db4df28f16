-- Tenancy: the org-scoped data model, the role helper, Row-Level Security on every table, and
-- invitations. See README.md, "The data model and its rules".
--
-- The org-scoped data model. Every tenant row carries org_id; every child points at its parent
-- through a composite foreign key that includes org_id, so a child can never reference a parent
-- of another organisation, and org_id never changes after insert (trigger below).
-- Foreign keys to auth.users state their on-delete rule on purpose:
--   cascade  - rows that are the user's own personal data (profile, memberships);
--   set null - authorship columns on rows that belong to the organisation and outlive the user.

create type public.org_role as enum ('owner', 'admin', 'member');

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text check (char_length(display_name) <= 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'One row per auth user; erased with the user.';

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 200),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index organizations_created_by_idx on public.organizations (created_by);

create table public.memberships (
  org_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.org_role not null default 'member',
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
-- RLS helpers look memberships up by user.
create index memberships_user_id_idx on public.memberships (user_id, org_id, role);

create table public.surveys (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 500),
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  deleted_by uuid references auth.users (id) on delete set null,
  unique (org_id, id),
  -- deleted_by is null for system deletions and once the deleting user is erased.
  check (deleted_by is null or deleted_at is not null)
);
-- Slugs are unique per organisation among live surveys only: a deleted survey frees its slug.
create unique index surveys_org_slug_live_key on public.surveys (org_id, slug)
  where deleted_at is null;
create index surveys_org_live_idx on public.surveys (org_id, created_at desc)
  where deleted_at is null;
-- The retention purge and the trash scan deleted surveys by age.
create index surveys_deleted_at_idx on public.surveys (deleted_at, id)
  where deleted_at is not null;
create index surveys_created_by_idx on public.surveys (created_by);
create index surveys_deleted_by_idx on public.surveys (deleted_by);

create table public.questions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  survey_id uuid not null,
  position integer not null check (position >= 0),
  prompt text not null check (char_length(prompt) between 1 and 2000),
  created_at timestamptz not null default now(),
  unique (org_id, survey_id, id),
  foreign key (org_id, survey_id) references public.surveys (org_id, id) on delete cascade
);
create index questions_survey_idx on public.questions (org_id, survey_id, position);

create table public.responses (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  survey_id uuid not null,
  -- An opaque reference chosen by the organisation; never an email or a name.
  respondent_ref text check (char_length(respondent_ref) <= 200),
  started_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (org_id, survey_id, id),
  foreign key (org_id, survey_id) references public.surveys (org_id, id) on delete cascade
);
create index responses_survey_idx on public.responses (org_id, survey_id, started_at desc);

-- The only shape a recording's object name may take:
--   <org_id>/<survey_id>/<response_id>/<recording file uuid>.<audio extension>
-- Ids only, so a name can never carry personal content into logs or the audit trail. Used by
-- the recordings table and by the bucket's upload policy (recordings storage migration).
create function private.is_recording_object_name(p_name text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_name ~ ('^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/){3}'
    || '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(webm|ogg|mp3|m4a|wav)$');
$$;
-- The CHECK below runs as whoever writes the row (clients through RLS, the jobs, the API).
grant execute on function private.is_recording_object_name(text) to authenticated, service_role;

create table public.recordings (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  survey_id uuid not null,
  response_id uuid not null,
  question_id uuid not null,
  -- The object's name in the `recordings` bucket (see private.is_recording_object_name).
  object_path text not null unique,
  duration_ms integer not null check (duration_ms >= 0),
  size_bytes bigint not null check (size_bytes >= 0),
  mime_type text not null check (mime_type like 'audio/%'),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (org_id, survey_id, id),
  foreign key (org_id, survey_id, response_id)
    references public.responses (org_id, survey_id, id) on delete cascade,
  foreign key (org_id, survey_id, question_id)
    references public.questions (org_id, survey_id, id) on delete cascade,
  -- The path must sit in the recording's own organisation, survey and response folder.
  check (private.is_recording_object_name(object_path)
    and split_part(object_path, '/', 1) = org_id::text
    and split_part(object_path, '/', 2) = survey_id::text
    and split_part(object_path, '/', 3) = response_id::text)
);
create index recordings_survey_idx on public.recordings (org_id, survey_id, response_id);
create index recordings_question_idx on public.recordings (org_id, survey_id, question_id);
create index recordings_created_by_idx on public.recordings (created_by);

create table public.transcripts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  survey_id uuid not null,
  recording_id uuid not null,
  language text not null default 'en' check (char_length(language) <= 35),
  body text not null,
  created_at timestamptz not null default now(),
  -- One transcript per recording; scoped by org_id so a conflict never reveals another
  -- organisation's rows.
  unique (org_id, recording_id),
  foreign key (org_id, survey_id, recording_id)
    references public.recordings (org_id, survey_id, id) on delete cascade
);
create index transcripts_survey_idx on public.transcripts (org_id, survey_id, recording_id);

-- org_id is the isolation key: once written it never changes.
create function private.forbid_org_id_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.org_id is distinct from old.org_id then
    raise exception 'org_id cannot change after insert (table %)', tg_table_name
      using errcode = '42501', hint = 'Create the row in the other organisation instead.';
  end if;
  return new;
end;
$$;

create trigger memberships_org_id_immutable before update of org_id on public.memberships
  for each row execute function private.forbid_org_id_change();
create trigger surveys_org_id_immutable before update of org_id on public.surveys
  for each row execute function private.forbid_org_id_change();
create trigger questions_org_id_immutable before update of org_id on public.questions
  for each row execute function private.forbid_org_id_change();
create trigger responses_org_id_immutable before update of org_id on public.responses
  for each row execute function private.forbid_org_id_change();
create trigger recordings_org_id_immutable before update of org_id on public.recordings
  for each row execute function private.forbid_org_id_change();
create trigger transcripts_org_id_immutable before update of org_id on public.transcripts
  for each row execute function private.forbid_org_id_change();

create function private.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger profiles_touch before update on public.profiles
  for each row execute function private.touch_updated_at();
create trigger organizations_touch before update on public.organizations
  for each row execute function private.touch_updated_at();
create trigger surveys_touch before update on public.surveys
  for each row execute function private.touch_updated_at();

-- Row-Level Security for every tenant table.
-- Rules: members read their organisation's data; admins and owners change it; only owners
-- manage members and the organisation itself. anon gets nothing. Policies call helpers wrapped
-- in (select ...), so each runs once per statement instead of once per row.

-- The role helper: the caller's organisations in which they hold at least p_min_role. The one
-- definition of "member / admin / owner of" that policies and functions share: policies use it
-- as `org_id = any ((select private.user_org_ids('admin'))::uuid[])`, which the planner
-- evaluates once per statement (an InitPlan) and uses as an index condition; functions ask
-- private.has_org_role(). It returns the calling user's own organisations only, so exposing it
-- leaks nothing. SECURITY DEFINER so it reads memberships without recursing into their
-- policies; plpgsql (not sql) because plpgsql caches its query plan per connection (docs/BENCHMARKS.md).
-- public.org_role is declared from most to least privileged, so `role <= p_min_role` reads
-- "at least p_min_role".
create function private.user_org_ids(p_min_role public.org_role default 'member')
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select m.org_id from public.memberships m
    where m.user_id = auth.uid() and m.role <= p_min_role
  );
end;
$$;

create function private.has_org_role(p_org_id uuid, p_min_role public.org_role)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_org_id = any (private.user_org_ids(p_min_role));
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
  private.user_org_ids(public.org_role),
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
--   memberships insert          -> an invitation the user accepts (below)
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
  using (id = any ((select private.user_org_ids('owner'))::uuid[]))
  with check (id = any ((select private.user_org_ids('owner'))::uuid[]));

-- memberships
create policy memberships_select on public.memberships for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]));
create policy memberships_update on public.memberships for update to authenticated
  using (org_id = any ((select private.user_org_ids('owner'))::uuid[]))
  with check (org_id = any ((select private.user_org_ids('owner'))::uuid[]));
-- Owners remove members; anyone may leave (the last owner is stopped by a trigger).
create policy memberships_delete on public.memberships for delete to authenticated
  using (org_id = any ((select private.user_org_ids('owner'))::uuid[]) or user_id = (select auth.uid()));

-- surveys: soft-deleted rows are invisible and cannot be edited; deletion is an RPC.
create policy surveys_select on public.surveys for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]) and deleted_at is null);
create policy surveys_insert on public.surveys for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and deleted_at is null);
create policy surveys_update on public.surveys for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and deleted_at is null)
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and deleted_at is null);

-- Survey children: same organisation AND a parent survey that is not in the trash.
create policy questions_select on public.questions for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy questions_insert on public.questions for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy questions_update on public.questions for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

create policy responses_select on public.responses for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy responses_insert on public.responses for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy responses_update on public.responses for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

create policy recordings_select on public.recordings for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy recordings_insert on public.recordings for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy recordings_update on public.recordings for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));

create policy transcripts_select on public.transcripts for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy transcripts_insert on public.transcripts for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]));
create policy transcripts_update on public.transcripts for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[])
    and survey_id <> all ((select private.user_trashed_survey_ids())::uuid[]))
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[])
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
  v_user uuid := private.require_user('create an organisation');
  v_org public.organizations;
begin
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

-- Invitations: nobody becomes a member of an organisation without agreeing to it.
-- Owners invite a user (by id); the user accepts with accept_invitation(), which turns the
-- invitation into a membership, or declines by deleting it. Until then the invitee sees none of
-- the organisation's data and the organisation sees nothing of the invitee (profiles are only
-- visible between members). Clients cannot insert memberships at all, so every membership is
-- either the creator's own or an accepted invitation.

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
  using (org_id = any ((select private.user_org_ids('owner'))::uuid[])
    or user_id = (select auth.uid()));
create policy invitations_insert on public.invitations for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('owner'))::uuid[])
    and invited_by = (select auth.uid()));
create policy invitations_update on public.invitations for update to authenticated
  using (org_id = any ((select private.user_org_ids('owner'))::uuid[]))
  with check (org_id = any ((select private.user_org_ids('owner'))::uuid[]));
create policy invitations_delete on public.invitations for delete to authenticated
  using (org_id = any ((select private.user_org_ids('owner'))::uuid[])
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
  v_user uuid := private.require_user('accept an invitation');
  v_invitation public.invitations;
  v_membership public.memberships;
begin
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
