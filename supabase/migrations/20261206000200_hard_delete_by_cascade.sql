-- Permanent deletion lets the foreign keys' ON DELETE CASCADE remove a survey's children.
--
-- hard_delete_surveys() used to delete transcripts, recordings, responses and questions itself,
-- set-based, then the surveys. Every deleted row still fires its foreign keys' cascade triggers
-- (12,500 per 500 surveys), which then searched the children's indexes and found nothing: the
-- children were paid for twice. Now it counts each survey's children (index-only scans of the
-- indexes the policies use), queues the survey folders' Storage objects, deletes the surveys and
-- lets the cascade delete the rest, then audits one event per survey with the counts, as before.
-- The callers' guarantees are unchanged: they lock the surveys first, so no child is added
-- while the batch runs (a new child's foreign key check waits on the survey's lock, then fails).
--
-- Every object in a survey's folder is queued: a recording's object sits in its survey's folder
-- (the recordings' CHECK), and so does any upload no recording row points at. A recording row
-- whose object is not in Storage queues nothing: there is nothing to remove.

-- The objects under any of these folders of a bucket, each with its folder: one index range scan
-- per folder, in one call. The single-folder helper reads through it, so the range is written
-- once.
create function private.storage_folders_objects(p_bucket_id text, p_folders text[])
returns table (folder text, bucket_id text, name text)
language sql
stable
set search_path = ''
as $$
  select f.folder, o.bucket_id, o.name
  from unnest(p_folders) as f(folder)
  join storage.objects o
    on o.bucket_id = p_bucket_id
    and o.name collate "C" >= f.folder || '/'
    and o.name collate "C" < f.folder || '0';
$$;
revoke all on function private.storage_folders_objects(text, text[])
  from public, anon, authenticated, service_role;

create or replace function private.storage_folder_objects(p_bucket_id text, p_folder text)
returns table (bucket_id text, name text)
language sql
stable
set search_path = ''
as $$
  select o.bucket_id, o.name from private.storage_folders_objects(p_bucket_id, array[p_folder]) o;
$$;

create or replace function private.hard_delete_surveys(
  p_survey_ids uuid[], p_cause text, p_actor_job text, p_actor_id uuid default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_batch private.purged_survey[];
begin
  -- What each survey holds, counted before it goes (the audit event's counts).
  select coalesce(array_agg(row(s.org_id, s.id,
      (select count(*) from public.questions c
       where c.org_id = s.org_id and c.survey_id = s.id and c.survey_live = s.live),
      (select count(*) from public.responses c
       where c.org_id = s.org_id and c.survey_id = s.id and c.survey_live = s.live),
      (select count(*) from public.recordings c
       where c.org_id = s.org_id and c.survey_id = s.id and c.survey_live = s.live),
      (select count(*) from public.transcripts c
       where c.org_id = s.org_id and c.survey_id = s.id and c.survey_live = s.live)
    )::private.purged_survey order by s.org_id, s.id), '{}')
  into v_batch
  from public.surveys s
  where s.id = any(p_survey_ids);

  insert into private.storage_removals (bucket_id, object_name, org_id, survey_id, cause)
  select o.bucket_id, o.name, b.org_id, b.survey_id, p_cause
  from unnest(v_batch) b
  join private.storage_folders_objects('recordings',
      array(select f.org_id::text || '/' || f.survey_id::text from unnest(v_batch) f)) o
    on o.folder = b.org_id::text || '/' || b.survey_id::text
  on conflict (bucket_id, object_name) do nothing;

  delete from public.surveys s where s.id = any(p_survey_ids);

  -- One audit event per survey, appended in one statement.
  perform audit.record_events('survey.purged', 'public.surveys', p_cause,
    array(select b.org_id from unnest(v_batch) with ordinality b order by ordinality),
    array(select b.survey_id::text from unnest(v_batch) with ordinality b order by ordinality),
    array(select jsonb_build_object('questions', b.questions, 'responses', b.responses,
        'recordings', b.recordings, 'transcripts', b.transcripts)
      from unnest(v_batch) with ordinality b order by ordinality),
    p_actor_job => p_actor_job, p_actor_id => p_actor_id);

  return jsonb_build_object(
    'surveys', cardinality(v_batch),
    'questions', coalesce((select sum(b.questions) from unnest(v_batch) b), 0),
    'responses', coalesce((select sum(b.responses) from unnest(v_batch) b), 0),
    'recordings', coalesce((select sum(b.recordings) from unnest(v_batch) b), 0),
    'transcripts', coalesce((select sum(b.transcripts) from unnest(v_batch) b), 0)
  );
end;
$$;
