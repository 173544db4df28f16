-- No answer reveals whether a row or a user exists outside the caller's organisations.
--   * Row ids, authorship and timestamps are the server's: clients insert only the columns that
--     are theirs to write. A client that could choose an id learnt from a "duplicate key" error
--     that another organisation's row had it.
--   * An invitation names a user id without a foreign key to auth.users, so inviting an unknown
--     id and an existing user answer alike (the invitation is simply never accepted). Erasure
--     removes a user's invitations explicitly (private.account_erasure_step()).

revoke insert on public.surveys, public.questions, public.responses, public.recordings,
  public.transcripts, public.invitations
from authenticated;
grant insert (org_id, title, slug) on public.surveys to authenticated;
grant insert (org_id, survey_id, position, prompt) on public.questions to authenticated;
grant insert (org_id, survey_id, respondent_ref, started_at, completed_at)
  on public.responses to authenticated;
grant insert (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes,
  mime_type) on public.recordings to authenticated;
grant insert (org_id, survey_id, recording_id, language, body) on public.transcripts
  to authenticated;
grant insert (org_id, user_id, role, invited_by) on public.invitations to authenticated;

-- Authorship the client can no longer write is the caller's.
alter table public.surveys alter column created_by set default auth.uid();
alter table public.recordings alter column created_by set default auth.uid();

alter table public.invitations drop constraint invitations_user_id_fkey;
