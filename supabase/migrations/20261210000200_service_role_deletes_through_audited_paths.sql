-- The service key deletes organisation data only through the audited paths.
--
-- Supabase's default privileges grant every new public table to service_role, and the tenancy
-- migration took them back from anon and authenticated only. So the service key (every Edge
-- Function, the dashboard, PostgREST called with it) could DELETE a survey, or TRUNCATE a
-- content table: the rows and their children went by the foreign keys' cascade with no audit
-- event, no 30 days in the trash and nothing queued for Storage, so the recordings stayed.
-- No Edge Function deletes through the table API; every deletion of this data is an RPC or a
-- job that writes its audit events (soft delete, hard delete, retention purge, organisation
-- deletion, account and respondent erasure).
--
-- Memberships and invitations keep DELETE: their delete triggers audit every removal
-- (membership.removed, invitation.removed). TRUNCATE fires no delete trigger, so it goes from
-- every table; TRIGGER and REFERENCES are of no use to the service key. Foreign-key cascades
-- (auth.users to profiles, say) run as the tables' owner, so they are unaffected.
--
-- Nor may it move a survey into or out of the trash behind the audit trail's back: with UPDATE
-- on deleted_at, backdating it made the next purge delete the survey for good, with no
-- survey.soft_deleted event and no 30 days in the trash. On surveys it keeps UPDATE of the title
-- and slug only. Surveys move in and out of the trash through public.delete_survey() and
-- public.restore_survey(), as their members (the service key holds no member's role there).
-- 01_rls_catalog CAT-024/025 list what is left; 33_hard_delete tries the writes.

revoke delete on
  public.profiles, public.organizations, public.surveys, public.questions,
  public.responses, public.recordings, public.transcripts
from service_role;

revoke truncate, trigger, references on
  public.profiles, public.organizations, public.memberships, public.invitations,
  public.surveys, public.questions, public.responses, public.recordings, public.transcripts
from service_role;

revoke update on public.surveys from service_role;
grant update (title, slug) on public.surveys to service_role;
