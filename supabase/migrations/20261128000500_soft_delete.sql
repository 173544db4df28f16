-- Soft delete: surveys go to a trash, recoverable for 30 days. See README.md, "Deletion paths".
-- Deleting marks the survey (deleted_at, deleted_by); from then on RLS hides it and every child
-- row (questions, responses, recordings, transcripts) and its Storage objects, because their
-- policies require a live parent. Restoring clears the mark, so the children come back exactly
-- as they were: they were never touched.
--
-- Why RPCs: an UPDATE that sets deleted_at through the table fails with 42501 for the client,
-- because the updated row no longer passes the SELECT policy (deleted_at is null). The public
-- functions below are SECURITY INVOKER; each calls a SECURITY DEFINER twin in `private` that
-- checks the caller's role in the survey's organisation explicitly.

create function private.survey_retention()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '30 days';
$$;
comment on function private.survey_retention() is
  'How long a soft-deleted survey stays recoverable before the retention purge removes it.';

-- The survey, locked, after checking that the caller administers its organisation.
-- Another organisation's survey is reported as not found, so its existence does not leak.
create function private.lock_survey_for_admin(p_survey_id uuid)
returns public.surveys
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_survey public.surveys;
begin
  perform private.require_user('manage surveys');
  -- Membership first, lock second: another organisation's survey is never locked.
  if not exists (select 1 from public.surveys s
                 where s.id = p_survey_id and private.has_org_role(s.org_id, 'member')) then
    raise exception 'survey % not found', p_survey_id using errcode = 'P0002';
  end if;
  select * into v_survey from public.surveys s where s.id = p_survey_id for update;
  -- The role again under the lock: a membership revoked while we waited counts.
  if v_survey.id is null or not private.has_org_role(v_survey.org_id, 'member') then
    raise exception 'survey % not found', p_survey_id using errcode = 'P0002';
  end if;
  if not private.has_org_role(v_survey.org_id, 'admin') then
    raise exception 'only admins and owners of the organisation can delete or restore surveys'
      using errcode = '42501';
  end if;
  return v_survey;
end;
$$;

create function private.survey_child_counts(p_org_id uuid, p_survey_id uuid)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'questions', (select count(*) from public.questions q
                  where q.org_id = p_org_id and q.survey_id = p_survey_id),
    'responses', (select count(*) from public.responses r
                  where r.org_id = p_org_id and r.survey_id = p_survey_id),
    'recordings', (select count(*) from public.recordings r
                   where r.org_id = p_org_id and r.survey_id = p_survey_id),
    'transcripts', (select count(*) from public.transcripts t
                    where t.org_id = p_org_id and t.survey_id = p_survey_id)
  );
$$;

-- The reasons an admin may give for deleting a survey (codes, never free text).
create function private.survey_deletion_reasons()
returns text[]
language sql
immutable
set search_path = ''
as $$
  select array['user_request', 'duplicate', 'created_by_mistake', 'test_data',
    'no_longer_needed', 'consent_withdrawn', 'data_subject_request'];
$$;
grant execute on function private.survey_deletion_reasons() to authenticated;

create function private.delete_survey(p_survey_id uuid, p_reason text)
returns table (survey_id uuid, deleted_at timestamptz, purge_after timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_survey public.surveys := private.lock_survey_for_admin(p_survey_id);
  v_now timestamptz := private.current_time();
begin
  -- The reason enters the immutable audit trail, so the client picks from a fixed list of
  -- codes: free text could carry a name or an email that could then never be erased.
  if coalesce(p_reason, 'user_request') not in (select unnest(private.survey_deletion_reasons())) then
    raise exception 'unknown deletion reason %', p_reason
      using errcode = '22023',
        hint = 'Use one of: ' || array_to_string(private.survey_deletion_reasons(), ', ');
  end if;
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

create function private.restore_survey(p_survey_id uuid)
returns table (survey_id uuid, restored_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_survey public.surveys := private.lock_survey_for_admin(p_survey_id);
  v_now timestamptz := private.current_time();
begin
  if v_survey.deleted_at is null then
    raise exception 'survey % is not deleted', p_survey_id using errcode = 'PT409';
  end if;
  if v_now >= v_survey.deleted_at + private.survey_retention() then
    raise exception 'survey % can no longer be restored: it was deleted on %, and the 30-day recovery window ended on %',
      p_survey_id, v_survey.deleted_at, v_survey.deleted_at + private.survey_retention()
      using errcode = 'PT410', hint = 'It is being permanently deleted by the retention purge.';
  end if;
  if exists (
    select 1 from public.surveys s
    where s.org_id = v_survey.org_id and s.slug = v_survey.slug and s.deleted_at is null
  ) then
    raise exception 'survey % cannot be restored: another survey now uses the slug "%"',
      p_survey_id, v_survey.slug
      using errcode = 'PT409', hint = 'Rename that survey first.';
  end if;
  update public.surveys s set deleted_at = null, deleted_by = null where s.id = p_survey_id;
  perform audit.record_event('survey.restored', v_survey.org_id, 'public.surveys',
    p_survey_id::text, 'user_request',
    private.survey_child_counts(v_survey.org_id, p_survey_id), p_actor_id => (select auth.uid()));
  return query select p_survey_id, v_now;
end;
$$;

create function private.survey_trash(p_org_id uuid)
returns table (
  survey_id uuid, title text, slug text, deleted_at timestamptz, deleted_by uuid,
  purge_after timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not private.has_org_role(p_org_id, 'admin') then
    raise exception 'only admins and owners of the organisation can see its trash'
      using errcode = '42501';
  end if;
  return query
    select s.id, s.title, s.slug, s.deleted_at, s.deleted_by,
      s.deleted_at + private.survey_retention()
    from public.surveys s
    where s.org_id = p_org_id and s.deleted_at is not null
    order by s.deleted_at desc;
end;
$$;

grant execute on function
  private.delete_survey(uuid, text),
  private.restore_survey(uuid),
  private.survey_trash(uuid)
to authenticated;

create function public.delete_survey(p_survey_id uuid, p_reason text default 'user_request')
returns table (survey_id uuid, deleted_at timestamptz, purge_after timestamptz)
language sql
security invoker
set search_path = ''
as $$
  select * from private.delete_survey(p_survey_id, p_reason);
$$;
comment on function public.delete_survey(uuid, text) is
  'Moves a survey and everything under it to the trash for 30 days (admins and owners).';

create function public.restore_survey(p_survey_id uuid)
returns table (survey_id uuid, restored_at timestamptz)
language sql
security invoker
set search_path = ''
as $$
  select * from private.restore_survey(p_survey_id);
$$;
comment on function public.restore_survey(uuid) is
  'Brings a deleted survey back with all its children, within 30 days of its deletion.';

create function public.survey_trash(p_org_id uuid)
returns table (
  survey_id uuid, title text, slug text, deleted_at timestamptz, deleted_by uuid,
  purge_after timestamptz
)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from private.survey_trash(p_org_id);
$$;
comment on function public.survey_trash(uuid) is
  'Deleted surveys of an organisation, who deleted them, when, and when they will be purged.';

grant execute on function
  public.delete_survey(uuid, text),
  public.restore_survey(uuid),
  public.survey_trash(uuid)
to authenticated;
