-- Personal data never echoes into errors or logs: delete_survey refused a free-text reason by
-- repeating it (an email, or a megabyte of text) in its error, which also reaches the server
-- log. (Storage objects' client-supplied metadata is erased with the account:
-- 20261129000300.)
create or replace function private.delete_survey(p_survey_id uuid, p_reason text)
returns table (survey_id uuid, deleted_at timestamptz, purge_after timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_survey public.surveys;
  v_now timestamptz := private.current_time();
begin
  -- The reason enters the immutable audit trail, so the client picks from a fixed list of
  -- codes: free text could carry a name or an email that could then never be erased. A
  -- refused reason is never repeated back: not in the error, so not in the server log either.
  if coalesce(p_reason, 'user_request') not in (select unnest(private.survey_deletion_reasons())) then
    raise exception 'unknown deletion reason'
      using errcode = '22023',
        hint = 'Use one of: ' || array_to_string(private.survey_deletion_reasons(), ', ');
  end if;
  v_survey := private.lock_survey_for_admin(p_survey_id);
  if v_survey.deleted_at is not null then
    raise exception 'survey % is already deleted', p_survey_id
      using errcode = 'PT409', hint = 'Restore it from the trash, or wait for the purge.';
  end if;
  update public.surveys s set deleted_at = v_now, deleted_by = (select auth.uid())
  where s.id = p_survey_id;
  perform audit.record_event('survey.soft_deleted', v_survey.org_id, 'public.surveys',
    p_survey_id::text, coalesce(p_reason, 'user_request'),
    private.survey_child_counts(v_survey.org_id, p_survey_id), p_actor_id => (select auth.uid()));
  return query select p_survey_id, v_now, v_now + private.survey_retention();
end;
$$;
