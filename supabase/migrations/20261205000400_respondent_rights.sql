-- Survey respondents' rights, exercised through their organisation (the controller; Cluso is its
-- processor): an organisation's admins look one respondent up by the respondent_ref the
-- organisation uses, export everything about them, or erase it (docs/DATA_SUBJECT_RIGHTS.md,
-- "Respondents"). Every export and erasure is a request in the ledger, which keeps only a
-- SHA-256 hash of the organisation and reference. The erasure deletes that respondent's
-- responses (their recordings and transcripts follow by cascade), queues every object of their
-- response folders in the Storage outbox, and audits each response as respondent.erased: no
-- other respondent's row is touched.

-- ---------------------------------------------------------------------------------------------
-- Audit actions (the one list, as 20261205000100 keeps it, plus the respondent erasure)
-- ---------------------------------------------------------------------------------------------
grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

alter table audit.events drop constraint events_action_check;
alter table audit.events add constraint events_action_check check (action in (
  'survey.soft_deleted', 'survey.restored', 'survey.purged', 'storage_object.removed',
  'membership.removed', 'invitation.removed', 'organization.deleted',
  'organization.owner_transferred', 'account.erasure_requested', 'account.erasure_cancelled',
  'account.erased', 'content.overwritten', 'audit.chain_head_restored',
  'security_report.received', 'security_report.acknowledged', 'security_report.status_changed',
  'security_report.note_added', 'security_report.closed', 'security_report.purged',
  'recording_access.partition_dropped',
  'incident.opened', 'incident.scoped', 'incident.notified', 'incident.note_added',
  'incident.preventive_measure_added', 'incident.closed', 'incident.sessions_revoked',
  'incident.organization_suspended', 'incident.organization_reinstated',
  'data_subject_request.received', 'data_subject_request.extended',
  'data_subject_request.completed', 'data_subject_request.purged',
  'respondent.erased'
));

reset role;
revoke cluso_audit_owner from postgres;

-- Looking a respondent up within one organisation.
create index responses_respondent_ref_idx on public.responses (org_id, respondent_ref)
  where respondent_ref is not null;

-- The respondent's responses in the organisation, if the caller is one of its admins (owners
-- included); otherwise, and for an unknown reference, one answer: P0002, so nobody learns
-- whether a reference exists in an organisation they do not administer.
create function private.respondent_responses(p_org_id uuid, p_respondent_ref text)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  perform private.require_user('manage respondents');
  if p_org_id is not null and private.has_org_role(p_org_id, 'admin') then
    select array_agg(r.id order by r.started_at, r.id) into v_ids
    from public.responses r
    where r.org_id = p_org_id and r.respondent_ref = p_respondent_ref;
  end if;
  if v_ids is null then
    raise exception 'no respondent has this reference in this organisation' using errcode = 'P0002';
  end if;
  return v_ids;
end;
$$;

-- What the ledger keeps of a respondent: a hash, never the reference.
create function private.respondent_hash(p_org_id uuid, p_respondent_ref text)
returns text
language sql
immutable
set search_path = ''
as $$
  select encode(sha256(convert_to(p_org_id::text || ':' || p_respondent_ref, 'UTF8')), 'hex');
$$;

-- ---------------------------------------------------------------------------------------------
-- Look-up
-- ---------------------------------------------------------------------------------------------
create function private.respondent_lookup(p_org_id uuid, p_respondent_ref text)
returns table (response_id uuid, survey_id uuid, started_at timestamptz,
  completed_at timestamptz, recordings integer, transcripts integer)
language sql
stable
security definer
set search_path = ''
as $$
  select r.id, r.survey_id, r.started_at, r.completed_at,
    (select count(*)::int from public.recordings c where c.org_id = r.org_id
       and c.response_id = r.id),
    (select count(*)::int from public.transcripts t join public.recordings c
       on c.org_id = t.org_id and c.id = t.recording_id
     where c.org_id = r.org_id and c.response_id = r.id)
  from public.responses r
  where r.id = any (private.respondent_responses(p_org_id, p_respondent_ref))
  order by r.started_at, r.id;
$$;

create function public.respondent_lookup(p_org_id uuid, p_respondent_ref text)
returns table (response_id uuid, survey_id uuid, started_at timestamptz,
  completed_at timestamptz, recordings integer, transcripts integer)
language sql
security invoker
set search_path = ''
as $$
  select * from private.respondent_lookup(p_org_id, p_respondent_ref);
$$;

-- ---------------------------------------------------------------------------------------------
-- Export: the manifest of everything about the respondent (the respondent-export Edge Function
-- adds the audio and hands one zip over). Recorded and completed in the ledger as an access
-- request of the respondent.
-- ---------------------------------------------------------------------------------------------
create function private.respondent_export(
  p_org_id uuid, p_respondent_ref text, p_regime text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('manage respondents');
  v_ids uuid[] := private.respondent_responses(p_org_id, p_respondent_ref);
  v_request private.dsr_requests;
  v_responses jsonb;
  v_counts jsonb;
begin
  v_request := private.dsr_open('access', 'respondent', coalesce(p_regime, 'GDPR'),
    'respondent_request', v_user, p_subject_org_id => p_org_id,
    p_subject_respondent_hash => private.respondent_hash(p_org_id, p_respondent_ref));
  select jsonb_agg(jsonb_build_object(
      'response_id', r.id, 'survey_id', r.survey_id, 'survey_title', s.title,
      'started_at', r.started_at, 'completed_at', r.completed_at,
      'answers', coalesce((
        select jsonb_agg(jsonb_build_object(
            'recording_id', c.id, 'question_id', c.question_id, 'question', q.prompt,
            'duration_ms', c.duration_ms, 'mime_type', c.mime_type,
            'object_path', c.object_path,
            'audio_file', 'audio/' || c.id || '.' || split_part(c.object_path, '.', 2),
            'transcript', (select jsonb_build_object('language', t.language, 'body', t.body)
                           from public.transcripts t
                           where t.org_id = c.org_id and t.recording_id = c.id))
          order by q.position, c.created_at, c.id)
        from public.recordings c
        join public.questions q on q.org_id = c.org_id and q.id = c.question_id
        where c.org_id = r.org_id and c.response_id = r.id), '[]'))
    order by r.started_at, r.id)
  into v_responses
  from public.responses r
  join public.surveys s on s.org_id = r.org_id and s.id = r.survey_id
  where r.id = any (v_ids);
  select jsonb_build_object(
      'responses', jsonb_array_length(v_responses),
      'recordings', coalesce(sum(jsonb_array_length(x -> 'answers')), 0),
      'transcripts', coalesce(sum((select count(*) from jsonb_array_elements(x -> 'answers') a
                                   where a -> 'transcript' <> 'null'::jsonb)), 0))
  into v_counts
  from jsonb_array_elements(v_responses) x;
  perform private.dsr_complete(v_request.id, v_counts, 'respondent_export');
  return jsonb_build_object('format', 'cluso.respondent-export.v1', 'request', v_request.ref,
    'org_id', p_org_id, 'respondent_ref', p_respondent_ref,
    'generated_at', private.current_time(), 'counts', v_counts, 'responses', v_responses);
end;
$$;

create function public.respondent_export(
  p_org_id uuid, p_respondent_ref text, p_regime text default 'GDPR'
)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select private.respondent_export(p_org_id, p_respondent_ref, p_regime);
$$;

-- ---------------------------------------------------------------------------------------------
-- Erasure: this respondent's responses, recordings and transcripts, and every object of their
-- response folders (through the Storage outbox, so the next job run removes them, audited).
-- Answers {"request", "counts"}.
-- ---------------------------------------------------------------------------------------------
create function private.respondent_erase(
  p_org_id uuid, p_respondent_ref text, p_regime text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('manage respondents');
  v_ids uuid[] := private.respondent_responses(p_org_id, p_respondent_ref);
  v_request private.dsr_requests;
  v_recordings integer;
  v_transcripts integer;
  v_objects integer;
  v_responses integer;
  v_counts jsonb;
begin
  v_request := private.dsr_open('erasure', 'respondent', coalesce(p_regime, 'GDPR'),
    'respondent_request', v_user, p_subject_org_id => p_org_id,
    p_subject_respondent_hash => private.respondent_hash(p_org_id, p_respondent_ref));
  select count(*) into v_recordings from public.recordings c
  where c.org_id = p_org_id and c.response_id = any (v_ids);
  select count(*) into v_transcripts from public.transcripts t
  join public.recordings c on c.org_id = t.org_id and c.id = t.recording_id
  where c.org_id = p_org_id and c.response_id = any (v_ids);
  -- Every object in the respondent's response folders, with a row or without.
  insert into private.storage_removals (bucket_id, object_name, org_id, survey_id, cause)
  select 'recordings', o.name, p_org_id, r.survey_id, 'respondent_erasure'
  from public.responses r
  join storage.objects o on o.bucket_id = 'recordings'
    and o.name like r.org_id || '/' || r.survey_id || '/' || r.id || '/%'
  where r.id = any (v_ids)
  on conflict (bucket_id, object_name) do nothing;
  get diagnostics v_objects = row_count;
  delete from public.responses r where r.org_id = p_org_id and r.id = any (v_ids);
  get diagnostics v_responses = row_count;
  v_counts := jsonb_build_object('responses', v_responses, 'recordings', v_recordings,
    'transcripts', v_transcripts, 'storage_objects_queued', v_objects);
  perform audit.record_events('respondent.erased', 'public.responses', 'respondent_request',
    array(select p_org_id from unnest(v_ids)), array(select i::text from unnest(v_ids) i),
    p_actor_id => v_user);
  v_request := private.dsr_complete(v_request.id, v_counts, 'respondent_erasure');
  return jsonb_build_object('request', v_request.ref, 'counts', v_counts);
end;
$$;

create function public.respondent_erase(
  p_org_id uuid, p_respondent_ref text, p_regime text default 'GDPR'
)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select private.respondent_erase(p_org_id, p_respondent_ref, p_regime);
$$;

revoke all on function
  private.respondent_responses(uuid, text),
  private.respondent_hash(uuid, text),
  private.respondent_lookup(uuid, text),
  public.respondent_lookup(uuid, text),
  private.respondent_export(uuid, text, text),
  public.respondent_export(uuid, text, text),
  private.respondent_erase(uuid, text, text),
  public.respondent_erase(uuid, text, text)
from public, anon, authenticated, service_role;
grant execute on function
  private.respondent_lookup(uuid, text),
  public.respondent_lookup(uuid, text),
  private.respondent_export(uuid, text, text),
  public.respondent_export(uuid, text, text),
  private.respondent_erase(uuid, text, text),
  public.respondent_erase(uuid, text, text)
to authenticated;
