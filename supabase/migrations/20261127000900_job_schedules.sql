-- The schedules of the data-protection jobs (Supabase Cron: pg_cron + pg_net + Vault, as
-- Supabase documents for invoking Edge Functions on a schedule).
--
-- Each cron job only queues an HTTP request (pg_net is asynchronous), so it never holds one of
-- Supabase Cron's 8 concurrent job slots for long. The Edge Function checks the caller itself:
-- it accepts only the service-role credential read here from Vault.
--
-- Before the first run, ops store two Vault secrets (README, "Deploy"):
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');

create extension if not exists pg_cron with schema pg_catalog;
do $$
begin
  -- On a hosted project this enables pg_net. The local stack has no pg_net package and
  -- provides a stand-in `net` schema instead (scripts/stack/platform/40_api_stand_ins.sql).
  if to_regnamespace('net') is null then
    create extension if not exists pg_net with schema extensions;
  end if;
end;
$$;

-- Every invocation the schedules make, so private.job_health() can find pg_net's answer to it
-- (pg_net keeps responses in net._http_response for a few hours, keyed by request id).
create table private.job_invocations (
  request_id bigint primary key,
  function_name text not null,
  invoked_at timestamptz not null default now()
);
create index job_invocations_invoked_at_idx on private.job_invocations (invoked_at);
alter table private.job_invocations enable row level security;
revoke all on private.job_invocations from anon, authenticated, service_role;

create function private.invoke_edge_function(p_function text, p_body jsonb default '{}')
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
  v_request bigint;
begin
  if p_function !~ '^[a-z0-9-]{1,64}$' then
    raise exception 'invalid Edge Function name "%"', p_function using errcode = '22023';
  end if;
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'project_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'service_role_key';
  if v_url is null or v_key is null then
    raise exception 'Vault secrets project_url and service_role_key are required to invoke %', p_function
      using errcode = '55000', hint = 'See README.md, section "Deploy to a hosted project".';
  end if;
  v_request := net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/' || p_function,
    headers := jsonb_build_object('Content-Type', 'application/json',
      'Authorization', 'Bearer ' || v_key),
    body := p_body,
    -- pg_net only waits this long to record the answer; the function runs to its own deadline.
    timeout_milliseconds := 300000
  );
  insert into private.job_invocations (request_id, function_name) values (v_request, p_function);
  -- The log only has to outlive pg_net's responses.
  delete from private.job_invocations j where j.invoked_at < now() - interval '7 days';
  return v_request;
end;
$$;
revoke all on function private.invoke_edge_function(text, jsonb)
  from public, anon, authenticated, service_role;

-- cron.schedule() with a job name updates the job if it exists, so this is safe to re-run.
select cron.schedule('cluso-retention-purge', '*/15 * * * *',
  $$select private.invoke_edge_function('retention-purge')$$);
