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
-- the recordings table and by the bucket's upload policy (20261127000400).
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
