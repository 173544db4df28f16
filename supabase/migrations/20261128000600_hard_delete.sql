-- Hard delete: permanent deletion of surveys, and the durable outbox that removes their
-- recordings from Storage (used by the retention purge, organisation deletion and account
-- erasure).
--
-- Storage objects can only be removed through the Storage API (a direct DELETE on
-- storage.objects is refused by storage.protect_delete() and would orphan the file), which is
-- outside any database transaction. So hard deletion happens in two steps:
--   1. in one transaction: the survey's rows are deleted, each recording's object name is put in
--      private.storage_removals, and the purge is audited (with counts);
--   2. the scheduled job drains the outbox through the Storage API, confirms each removal
--      (against what remove() returned and against storage.objects), audits every removed object,
--      and retries failures with backoff. Nothing is dropped: a removal that keeps failing stays
--      visible in private.storage_removal_backlog and private.job_health().

create table private.storage_removals (
  id bigint generated always as identity primary key,
  bucket_id text not null,
  object_name text not null,
  org_id uuid not null,
  survey_id uuid,
  cause text not null check (cause ~ '^[a-z][a-z0-9_]{0,63}$'),
  enqueued_at timestamptz not null default now(),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  leased_until timestamptz,
  last_error text,
  unique (bucket_id, object_name)
);
create index storage_removals_due_idx on private.storage_removals (next_attempt_at, id);
comment on table private.storage_removals is
  'Storage objects whose rows were permanently deleted and which still have to be removed through the Storage API.';

alter table private.storage_removals enable row level security;
revoke all on private.storage_removals from anon, authenticated, service_role;

-- One survey in a hard-delete batch, with the number of child rows removed with it.
create type private.purged_survey as (
  org_id uuid,
  survey_id uuid,
  questions bigint,
  responses bigint,
  recordings bigint,
  transcripts bigint
);

-- The single place that permanently deletes surveys, used by the retention purge, organisation
-- deletion and account erasure. Set-based (cheaper than row-by-row cascades), one audit event
-- per survey with the counts removed. Callers lock the surveys first.
create function private.hard_delete_surveys(
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
  -- One statement: each delete reports what it removed, so the per-survey counts and the Storage
  -- outbox come from the deletes themselves rather than from extra scans. The foreign keys'
  -- cascade triggers run at the end of the statement and find the children already gone.
  with batch as (
    select s.org_id, s.id from public.surveys s where s.id = any(p_survey_ids)
  ),
  gone_transcripts as (
    delete from public.transcripts t using batch b
    where t.org_id = b.org_id and t.survey_id = b.id
    returning t.survey_id
  ),
  gone_recordings as (
    delete from public.recordings r using batch b
    where r.org_id = b.org_id and r.survey_id = b.id
    returning r.org_id, r.survey_id, r.object_path
  ),
  queued_objects as (
    insert into private.storage_removals (bucket_id, object_name, org_id, survey_id, cause)
    select 'recordings', q.object_name, q.org_id, q.survey_id, p_cause
    from (
      select r.object_path as object_name, r.org_id, r.survey_id from gone_recordings r
      union
      -- Everything else in the survey's folder goes too (an upload no recording row points
      -- at is still the survey's recording).
      select o.name, b.org_id, b.id
      from batch b
      cross join lateral private.storage_folder_objects('recordings',
        b.org_id::text || '/' || b.id::text) o
    ) q
    on conflict (bucket_id, object_name) do nothing
  ),
  gone_responses as (
    delete from public.responses r using batch b
    where r.org_id = b.org_id and r.survey_id = b.id
    returning r.survey_id
  ),
  gone_questions as (
    delete from public.questions q using batch b
    where q.org_id = b.org_id and q.survey_id = b.id
    returning q.survey_id
  ),
  gone_surveys as (
    delete from public.surveys s using batch b where s.id = b.id
    returning s.org_id, s.id
  )
  select coalesce(array_agg(row(s.org_id, s.id, coalesce(q.n, 0), coalesce(rs.n, 0),
      coalesce(rc.n, 0), coalesce(t.n, 0))::private.purged_survey order by s.org_id, s.id), '{}')
  into v_batch
  from gone_surveys s
  left join (select survey_id, count(*) as n from gone_questions group by 1) q
    on q.survey_id = s.id
  left join (select survey_id, count(*) as n from gone_responses group by 1) rs
    on rs.survey_id = s.id
  left join (select survey_id, count(*) as n from gone_recordings group by 1) rc
    on rc.survey_id = s.id
  left join (select survey_id, count(*) as n from gone_transcripts group by 1) t
    on t.survey_id = s.id;

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

-- Lease up to p_limit due removals (at most 1000: one Storage API remove() call).
-- A lease that expires (the job was killed) makes the rows due again.
create function private.storage_removal_claim(
  p_limit integer default 1000, p_lease interval default interval '5 minutes'
)
returns table (id bigint, bucket_id text, object_name text, attempts integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'a Storage remove() call takes 1 to 1000 names, got %', p_limit
      using errcode = '22023';
  end if;
  return query
    update private.storage_removals r
    set attempts = r.attempts + 1, leased_until = v_now + p_lease
    where r.id in (
      select d.id from private.storage_removals d
      where d.next_attempt_at <= v_now and (d.leased_until is null or d.leased_until <= v_now)
      order by d.bucket_id, d.id
      limit p_limit
      for update skip locked
    )
    returning r.id, r.bucket_id, r.object_name, r.attempts;
end;
$$;

-- A Storage removal confirmed done, as storage_removal_settle() audits it.
create type private.settled_removal as (
  org_id uuid,
  bucket_id text,
  object_name text,
  cause text,
  attempts integer
);

-- How a removed object is named in the audit trail: its name when it has the recordings'
-- ids-only shape, otherwise a sha256 of it (an object uploaded outside that shape, e.g. by a
-- service, could carry personal content in its name, and the trail is never erased).
create function private.audited_object_name(p_bucket_id text, p_object_name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select p_bucket_id || '/' || case
    when private.is_recording_object_name(p_object_name) then p_object_name
    else 'sha256:' || encode(sha256(convert_to(p_object_name, 'UTF8')), 'hex')
  end;
$$;

-- Settle leased removals after a remove() call. A removal counts as done when Storage reported
-- the object deleted, or when its row is gone from storage.objects (deleted by an earlier call
-- whose answer was lost). Done removals are audited and leave the outbox; the rest are retried
-- with exponential backoff (30 s doubling, capped at 1 hour), keeping the error.
create function private.storage_removal_settle(
  p_ids bigint[], p_removed_names text[], p_error text default null,
  p_job text default 'retention_purge'
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_done private.settled_removal[];
  v_cause text;
  v_removed integer := 0;
  v_failed integer := 0;
begin
  with done as (
    delete from private.storage_removals r
    where r.id = any(p_ids)
      and (r.object_name = any(coalesce(p_removed_names, '{}'))
        or not exists (select 1 from storage.objects o
                       where o.bucket_id = r.bucket_id and o.name = r.object_name))
    returning r.org_id, r.bucket_id, r.object_name, r.cause, r.attempts
  )
  select array_agg(row(d.org_id, d.bucket_id, d.object_name, d.cause, d.attempts)
    ::private.settled_removal) into v_done
  from done d;
  v_removed := coalesce(cardinality(v_done), 0);

  -- One audit event per removed object, appended in one statement per cause.
  for v_cause in select distinct d.cause from unnest(v_done) d loop
    perform audit.record_events('storage_object.removed', 'storage.objects', v_cause,
      array(select d.org_id from unnest(v_done) d where d.cause = v_cause order by d.object_name),
      array(select private.audited_object_name(d.bucket_id, d.object_name) from unnest(v_done) d
            where d.cause = v_cause order by d.object_name),
      array(select jsonb_build_object('attempts', d.attempts) from unnest(v_done) d
            where d.cause = v_cause order by d.object_name),
      p_actor_job => p_job);
  end loop;

  update private.storage_removals r
  set leased_until = null,
    next_attempt_at = v_now + least(interval '30 seconds' * power(2, greatest(r.attempts - 1, 0)),
      interval '1 hour'),
    last_error = coalesce(p_error, 'Storage did not confirm the removal')
  where r.id = any(p_ids);
  get diagnostics v_failed = row_count;

  return jsonb_build_object('removed', v_removed, 'failed', v_failed);
end;
$$;

-- What ops watch: every queued removal, and whether it keeps failing (5 attempts or more).
-- private.storage_removal_status() sums it up for the jobs and job health.
create view private.storage_removal_backlog
with (security_invoker = true)
as
  select r.id, r.bucket_id, r.object_name, r.org_id, r.survey_id, r.cause, r.enqueued_at,
    r.attempts, r.next_attempt_at, r.leased_until, r.last_error, r.attempts >= 5 as stuck
  from private.storage_removals r;
revoke all on private.storage_removal_backlog from anon, authenticated, service_role;

create function private.storage_removal_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'pending', count(*),
    'due', count(*) filter (where r.next_attempt_at <= private.current_time()),
    'stuck', count(*) filter (where r.attempts >= 5),
    'oldest_enqueued_at', min(r.enqueued_at)
  )
  from private.storage_removals r;
$$;

-- Reconciliation of the recordings bucket against the recordings table:
--   orphan_object  - an object no recording row points at, and not waiting in the outbox;
--   missing_object - a recording row whose object is not in Storage.
create function private.reconcile_recordings()
returns table (problem text, object_name text)
language sql
stable
security definer
set search_path = ''
as $$
  select 'orphan_object', o.name
  from storage.objects o
  where o.bucket_id = 'recordings'
    and not exists (select 1 from public.recordings r where r.object_path = o.name)
    and not exists (select 1 from private.storage_removals q
                    where q.bucket_id = o.bucket_id and q.object_name = o.name)
  union all
  select 'missing_object', r.object_path
  from public.recordings r
  where not exists (select 1 from storage.objects o
                    where o.bucket_id = 'recordings' and o.name = r.object_path)
  order by 1, 2;
$$;

-- Only the scheduled jobs (connected as postgres) run these; no API role may.
revoke all on function
  private.hard_delete_surveys(uuid[], text, text, uuid),
  private.storage_removal_claim(integer, interval),
  private.storage_removal_settle(bigint[], text[], text, text),
  private.storage_removal_status(),
  private.reconcile_recordings()
from public, anon, authenticated, service_role;
