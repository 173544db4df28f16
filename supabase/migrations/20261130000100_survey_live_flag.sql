-- Survey children carry their survey's "live" flag, so their read policy is a plain column test.
--
-- Children of a soft-deleted survey must disappear from every read the moment the survey is
-- deleted. The policies used to exclude the caller's trashed surveys by id
-- (`survey_id <> all (<trashed ids>)`), which compares every row against an unhashed array and
-- grows with the trash and with the number of the caller's organisations (docs/BENCHMARKS.md).
-- Instead every child row holds `survey_live`, and the composite foreign keys include it:
--   surveys.live (generated: deleted_at is null)
--     <- questions, responses (org_id, survey_id, survey_live)
--          <- recordings (org_id, survey_id, survey_live, response_id)
--               <- transcripts (org_id, survey_id, survey_live, recording_id)
-- with ON UPDATE CASCADE, so soft deletion and restoration flip the flag of every child in the
-- same statement, and a child can never hold a flag that differs from its survey's: the foreign
-- key refuses it. Clients cannot write the column (no grant on it); a new child takes its
-- survey's flag (trigger below).
-- Cost moved: soft deleting or restoring a survey now updates its children (one cascaded UPDATE
-- per parent row); reads pay nothing for the trash.

alter table public.surveys
  add column live boolean generated always as (deleted_at is null) stored;
alter table public.surveys add constraint surveys_org_id_id_live_key unique (org_id, id, live);

alter table public.questions add column survey_live boolean not null default true;
alter table public.responses add column survey_live boolean not null default true;
alter table public.recordings add column survey_live boolean not null default true;
alter table public.transcripts add column survey_live boolean not null default true;

-- Existing children of trashed surveys.
update public.questions c set survey_live = false
from public.surveys s where s.org_id = c.org_id and s.id = c.survey_id and s.deleted_at is not null;
update public.responses c set survey_live = false
from public.surveys s where s.org_id = c.org_id and s.id = c.survey_id and s.deleted_at is not null;
update public.recordings c set survey_live = false
from public.surveys s where s.org_id = c.org_id and s.id = c.survey_id and s.deleted_at is not null;
update public.transcripts c set survey_live = false
from public.surveys s where s.org_id = c.org_id and s.id = c.survey_id and s.deleted_at is not null;

-- The foreign keys, leaves first (each referenced key is replaced before its parent's); they keep
-- their names, which say which parent they point at.
alter table public.transcripts drop constraint transcripts_org_id_survey_id_recording_id_fkey;
alter table public.recordings drop constraint recordings_org_id_survey_id_response_id_fkey;
alter table public.questions drop constraint questions_org_id_survey_id_fkey;
alter table public.responses drop constraint responses_org_id_survey_id_fkey;

alter table public.responses drop constraint responses_org_id_survey_id_id_key;
alter table public.responses
  add constraint responses_org_id_survey_id_survey_live_id_key unique (org_id, survey_id, survey_live, id);
alter table public.recordings drop constraint recordings_org_id_survey_id_id_key;
alter table public.recordings
  add constraint recordings_org_id_survey_id_survey_live_id_key unique (org_id, survey_id, survey_live, id);

alter table public.questions
  add constraint questions_org_id_survey_id_fkey foreign key (org_id, survey_id, survey_live)
  references public.surveys (org_id, id, live) on delete cascade on update cascade;
alter table public.responses
  add constraint responses_org_id_survey_id_fkey foreign key (org_id, survey_id, survey_live)
  references public.surveys (org_id, id, live) on delete cascade on update cascade;
alter table public.recordings
  add constraint recordings_org_id_survey_id_response_id_fkey foreign key (org_id, survey_id, survey_live, response_id)
  references public.responses (org_id, survey_id, survey_live, id) on delete cascade on update cascade;
-- Re-added after the response's key, so a recording's keys are checked in their old order
-- (response first) and a refused row names the same constraint as before.
alter table public.recordings drop constraint recordings_org_id_survey_id_question_id_fkey;
alter table public.recordings
  add constraint recordings_org_id_survey_id_question_id_fkey
  foreign key (org_id, survey_id, question_id)
  references public.questions (org_id, survey_id, id) on delete cascade;
alter table public.transcripts
  add constraint transcripts_org_id_survey_id_recording_id_fkey foreign key (org_id, survey_id, survey_live, recording_id)
  references public.recordings (org_id, survey_id, survey_live, id) on delete cascade on update cascade;

-- No foreign key uses surveys (org_id, id) any more; (org_id, id, live) replaces it.
alter table public.surveys drop constraint surveys_org_id_id_key;

-- Indexes leading with each foreign key's columns, in the order reads use them: the policy's
-- `survey_live` is an equality, so a survey's children still come out in position / start order.
drop index public.questions_survey_idx;
create index questions_survey_idx on public.questions (org_id, survey_id, survey_live, position);
drop index public.responses_survey_idx;
create index responses_survey_idx
  on public.responses (org_id, survey_id, survey_live, started_at desc);
drop index public.recordings_survey_idx;
create index recordings_survey_idx
  on public.recordings (org_id, survey_id, survey_live, response_id);
drop index public.transcripts_survey_idx;
create index transcripts_survey_idx
  on public.transcripts (org_id, survey_id, survey_live, recording_id);

-- A new child takes its survey's flag, so whoever writes it (a client, a job, a data load) need
-- not know it, and a client writing under a trashed survey is refused by RLS (the flag is false,
-- the policy wants it true) as before. SECURITY DEFINER so the lookup sees a trashed survey; it
-- answers nothing: a pair (org_id, survey_id) that is not a survey leaves the default, and the
-- foreign key refuses the row exactly as it did.
create function private.take_survey_live_flag()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.survey_live := coalesce(
    (select s.live from public.surveys s where s.org_id = new.org_id and s.id = new.survey_id),
    new.survey_live);
  return new;
end;
$$;
revoke all on function private.take_survey_live_flag() from public, anon, authenticated, service_role;

create trigger questions_take_survey_live before insert on public.questions
  for each row execute function private.take_survey_live_flag();
create trigger responses_take_survey_live before insert on public.responses
  for each row execute function private.take_survey_live_flag();
create trigger recordings_take_survey_live before insert on public.recordings
  for each row execute function private.take_survey_live_flag();
create trigger transcripts_take_survey_live before insert on public.transcripts
  for each row execute function private.take_survey_live_flag();

-- The policies test the column.
drop policy questions_select on public.questions;
drop policy questions_insert on public.questions;
drop policy questions_update on public.questions;
drop policy responses_select on public.responses;
drop policy responses_insert on public.responses;
drop policy responses_update on public.responses;
drop policy recordings_select on public.recordings;
drop policy recordings_insert on public.recordings;
drop policy recordings_update on public.recordings;
drop policy transcripts_select on public.transcripts;
drop policy transcripts_insert on public.transcripts;
drop policy transcripts_update on public.transcripts;

create policy questions_select on public.questions for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]) and survey_live);
create policy questions_insert on public.questions for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);
create policy questions_update on public.questions for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live)
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);

create policy responses_select on public.responses for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]) and survey_live);
create policy responses_insert on public.responses for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);
create policy responses_update on public.responses for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live)
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);

create policy recordings_select on public.recordings for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]) and survey_live);
create policy recordings_insert on public.recordings for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);
create policy recordings_update on public.recordings for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live)
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);

create policy transcripts_select on public.transcripts for select to authenticated
  using (org_id = any ((select private.user_org_ids())::uuid[]) and survey_live);
create policy transcripts_insert on public.transcripts for insert to authenticated
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);
create policy transcripts_update on public.transcripts for update to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live)
  with check (org_id = any ((select private.user_org_ids('admin'))::uuid[]) and survey_live);

-- The trashed-survey list is no longer used by any policy.
drop function private.user_trashed_survey_ids();
drop index public.surveys_org_trashed_idx;
