-- Drivers for the scheduled jobs: each runs a job's SQL steps in the order its Edge Function
-- runs them, so that a suite states only what it checks; and the few fixtures the jobs' suites
-- need beyond 10_fixtures.sql. Installed after it (file order); everything here runs as its
-- caller (the jobs connect as postgres).

-- ---------------------------------------------------------------------------------------------
-- Ids that outlive their rows
-- ---------------------------------------------------------------------------------------------

-- The jobs under test delete users and organisations, and tests.user_id() / tests.org_id() only
-- find live rows. A suite keeps an id under a name before the deletion and reads it back after.
-- Kept in a transaction-local setting, not a table: 22_account_erasure_leaves_no_trace scans
-- every table for the erased users' ids, and each suite is one transaction.
create function tests.remember_id(p_name text, p_id uuid)
returns uuid
language plpgsql
as $$
begin
  if p_id is null then
    raise exception 'tests.remember_id: no id to remember as %', p_name;
  end if;
  perform set_config('tests.remembered_ids',
    (coalesce(nullif(current_setting('tests.remembered_ids', true), ''), '{}')::jsonb
      || jsonb_build_object(p_name, p_id))::text, true);
  return p_id;
end;
$$;

create function tests.remembered_id(p_name text)
returns uuid
language plpgsql
stable
as $$
declare
  v_id uuid := (nullif(current_setting('tests.remembered_ids', true), '')::jsonb ->> p_name)::uuid;
begin
  if v_id is null then
    raise exception 'tests.remembered_id: nothing remembered as %', p_name;
  end if;
  return v_id;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Fixtures the jobs depend on
-- ---------------------------------------------------------------------------------------------

-- A membership with the moment it began: who inherits an organisation's ownership depends on it.
create function tests.add_member_since(
  p_org_name text, p_user_name text, p_role public.org_role, p_joined_at timestamptz
)
returns void
language sql
as $$
  insert into public.memberships (org_id, user_id, role, created_at)
  values (tests.org_id(p_org_name), tests.user_id(p_user_name), p_role, p_joined_at);
$$;

-- ---------------------------------------------------------------------------------------------
-- Account erasure (supabase/functions/account-erasure)
-- ---------------------------------------------------------------------------------------------

-- The job claims the open request with the earliest deadline, whoever's it is. A suite that
-- checks which request a claim returns starts from an empty queue (the seed's demo request
-- included; the suite's rollback brings it back).
create function tests.clear_account_erasure_queue()
returns void
language sql
as $$
  delete from private.account_erasure_requests;
$$;

-- The named user asks for the erasure of their own account, signed in, as the app does. Their
-- id is remembered under their name (tests.remembered_id): the erasure deletes their user row.
create function tests.request_account_erasure(p_user text)
returns void
language plpgsql
as $$
declare
  v_user uuid := tests.remember_id(p_user, tests.user_id(p_user));
begin
  perform tests.authenticate_as(v_user);
  perform public.request_account_erasure();
  perform tests.clear_authentication();
end;
$$;

-- Runs a claimed request's steps (private.account_erasure_step, one transaction each in the
-- Edge Function) until one answers done; returns every step's answer, in order. Raises when
-- 100 steps do not finish it.
create function tests.finish_account_erasure(
  p_request_id uuid, p_lease_token uuid, p_batch_size integer default 200
)
returns setof jsonb
language plpgsql
as $$
declare
  v_step jsonb;
begin
  for i in 1..100 loop
    v_step := private.account_erasure_step(p_request_id, p_lease_token, p_batch_size);
    return next v_step;
    if (v_step ->> 'done')::boolean then
      return;
    end if;
  end loop;
  raise exception 'account erasure request % did not finish in 100 steps', p_request_id;
end;
$$;

-- Claims the next request, which must be the named user's, and runs it to the end; returns
-- every step's answer, in order.
create function tests.run_account_erasure(p_user text, p_batch_size integer default 200)
returns setof jsonb
language plpgsql
as $$
declare
  v_request private.account_erasure_requests := private.account_erasure_claim();
begin
  if v_request.user_id is distinct from tests.user_id(p_user) then
    raise exception 'claimed the request of % instead of %''s', v_request.user_id, p_user;
  end if;
  return query
    select * from tests.finish_account_erasure(v_request.id, v_request.lease_token, p_batch_size);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Retention purge and Storage removal (supabase/functions/retention-purge)
-- ---------------------------------------------------------------------------------------------

-- Purges batches (private.retention_purge_batch) until one finds nothing expired; returns the
-- summed counts.
create function tests.run_retention_purge(p_batch_size integer default 5000)
returns jsonb
language plpgsql
as $$
declare
  v_batch jsonb;
  v_total jsonb := '{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0}';
begin
  loop
    v_batch := private.retention_purge_batch(p_batch_size);
    exit when (v_batch ->> 'surveys')::int = 0;
    select jsonb_object_agg(t.key, t.value::bigint + (v_batch ->> t.key)::bigint)
    into v_total
    from jsonb_each_text(v_total) t;
  end loop;
  return v_total;
end;
$$;

-- One failed Storage call for the outbox's single removal, made the moment its backoff ends:
-- moves the clock to its next attempt, claims it and settles it with p_error (Storage removed
-- nothing). Returns its attempts and the delay before the next one.
create function tests.fail_storage_removal_retry(p_error text)
returns table (attempts integer, delay interval)
language plpgsql
as $$
declare
  v_at timestamptz;
begin
  if (select count(*) from private.storage_removals) <> 1 then
    raise exception 'tests.fail_storage_removal_retry expects exactly one queued removal';
  end if;
  select r.next_attempt_at into v_at from private.storage_removals r;
  perform tests.set_now(v_at);
  perform private.storage_removal_settle(array(select c.id from private.storage_removal_claim() c),
    '{}', p_error);
  return query select r.attempts, r.next_attempt_at - v_at from private.storage_removals r;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Schedules (supabase/migrations/*_jobs.sql)
-- ---------------------------------------------------------------------------------------------

-- Runs a scheduled job's command now, as pg_cron would (the command is read from cron.job).
create function tests.run_cron_job(p_job_name text)
returns void
language plpgsql
as $$
declare
  v_command text := (select j.command from cron.job j where j.jobname = p_job_name);
begin
  if v_command is null then
    raise exception 'no cron job named %', p_job_name;
  end if;
  execute v_command;
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
