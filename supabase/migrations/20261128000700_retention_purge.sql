-- Retention purge: surveys soft-deleted more than 30 days ago are permanently deleted, in
-- bounded batches, by the scheduled Edge Function `retention-purge` (schedule: jobs migration).

-- One purge batch: at most p_batch_size surveys soft-deleted more than 30 days ago, in one
-- short transaction. Rows are taken FOR UPDATE SKIP LOCKED: two concurrent runs never take the
-- same survey, and a restore in progress (which holds the row) is skipped, so a racing restore
-- either wins completely (the survey is live again) or loses completely (not found).
create function private.retention_purge_batch(p_batch_size integer, p_job text default 'retention_purge')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if p_batch_size is null or p_batch_size not between 1 and 5000 then
    raise exception 'batch size must be between 1 and 5000, got %', p_batch_size
      using errcode = '22023';
  end if;
  select coalesce(array_agg(id), '{}') into v_ids
  from (
    select s.id from public.surveys s
    where s.deleted_at is not null
      and s.deleted_at <= private.current_time() - private.survey_retention()
    order by s.deleted_at, s.id
    limit p_batch_size
    for update skip locked
  ) expired;
  if cardinality(v_ids) = 0 then
    return jsonb_build_object('surveys', 0, 'questions', 0, 'responses', 0, 'recordings', 0,
      'transcripts', 0);
  end if;
  return private.hard_delete_surveys(v_ids, 'retention_expired', p_job);
end;
$$;

-- What the purge would remove now, without changing anything (dry run).
create function private.retention_purge_preview()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with expired as (
    select s.org_id, s.id from public.surveys s
    where s.deleted_at is not null
      and s.deleted_at <= private.current_time() - private.survey_retention()
  )
  select jsonb_build_object(
    'surveys', (select count(*) from expired),
    'questions', (select count(*) from public.questions q
                  join expired e on e.org_id = q.org_id and e.id = q.survey_id),
    'responses', (select count(*) from public.responses r
                  join expired e on e.org_id = r.org_id and e.id = r.survey_id),
    'recordings', (select count(*) from public.recordings r
                   join expired e on e.org_id = r.org_id and e.id = r.survey_id),
    'transcripts', (select count(*) from public.transcripts t
                    join expired e on e.org_id = t.org_id and e.id = t.survey_id),
    'oldest_deleted_at', (select min(s.deleted_at) from public.surveys s
                          join expired e on e.id = s.id)
  );
$$;

revoke all on function
  private.retention_purge_batch(integer, text),
  private.retention_purge_preview()
from public, anon, authenticated, service_role;
