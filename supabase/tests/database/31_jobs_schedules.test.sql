-- The schedules of the data-protection jobs: Supabase Cron queues an HTTP call to the Edge
-- Function through pg_net, authenticated with the service-role key read from Vault.
-- Locally pg_net is a stand-in that only queues into net.http_request_queue, which is exactly
-- what these tests read (nothing is sent). The storage-orphan sweep is SQL only: it calls no
-- Edge Function.
begin;
select plan(24);

select results_eq(
  $$select jobname::text collate "default", schedule::text collate "default", command collate "default", active from cron.job
    where jobname like 'cluso-%' order by jobname$$,
  $$values
    ('cluso-account-erasure'::text, '*/30 * * * *'::text,
      'select private.job_invoke(''account-erasure'')'::text, true),
    ('cluso-data-export', '*/5 * * * *', 'select private.job_invoke(''data-export'')', true),
    ('cluso-dsr-ledger-purge', '47 3 * * *', 'select private.job_invoke(''dsr-ledger-purge'')', true),
    ('cluso-job-health', '7 * * * *', 'select private.job_health_assert()', true),
    ('cluso-mail-sender', '* * * * *', 'select private.job_invoke(''mail-sender'')', true),
    ('cluso-recording-access-retention', '17 3 * * *',
      'select private.recording_access_retention()', true),
    ('cluso-retention-purge', '*/15 * * * *',
      'select private.job_invoke(''retention-purge'')', true),
    ('cluso-security-report-purge', '17 3 * * *',
      'select private.job_invoke(''security-report-purge'')', true),
    ('cluso-storage-orphan-sweep', '*/15 * * * *', 'select private.storage_orphan_sweep()', true)$$,
  '[SCH-001] cron.job has exactly the account-erasure (every 30 min), data-export (every 5 min), dsr-ledger-purge (daily), job-health (hourly), mail-sender (every minute), recording-access-retention (daily, SQL only), retention-purge (every 15 min), security-report-purge (daily) and storage-orphan-sweep (every 15 min, SQL only) jobs');
select results_eq(
  $$select distinct username::text collate "default", database::text collate "default" from cron.job where jobname like 'cluso-%'$$,
  $$values ('postgres'::text, current_database()::text collate "default")$$,
  '[SCH-002] all nine run as postgres in this database (the role allowed to run the private functions)');
select ok(
  has_function_privilege('postgres', 'private.job_invoke(text, jsonb)', 'execute'),
  '[SCH-003] the job role can execute private.job_invoke');
select ok(
  (select substring(schedule from '^\*/(\d+) \* \* \* \*$')::int from cron.job
   where jobname = 'cluso-account-erasure') <= 60,
  '[SCH-004] the account-erasure job runs at least hourly (168+ chances within each 7-day deadline)');

-- ---------------------------------------------------------------------------------------------
-- Without the Vault secrets the call fails loudly
-- ---------------------------------------------------------------------------------------------
create temporary table queue_before on commit drop as select coalesce(max(id), 0) as id from net.http_request_queue;
select throws_ok(
  $$select private.job_invoke('retention-purge')$$,
  '55000', 'Vault secrets project_url and service_role_key are required to invoke retention-purge',
  '[SCH-010] without the Vault secrets the call fails with 55000 and says which secrets');
select vault.create_secret('http://example.test', 'project_url');
select throws_ok(
  $$select private.job_invoke('retention-purge')$$,
  '55000', 'Vault secrets project_url and service_role_key are required to invoke retention-purge',
  '[SCH-011] with only project_url it still fails with 55000');
select is(
  (select count(*)::int from net.http_request_queue where id > (select id from queue_before)),
  0, '[SCH-012] the failed calls queued nothing');
select vault.create_secret('test-key', 'service_role_key');

-- ---------------------------------------------------------------------------------------------
-- With the secrets: the job's own command queues exactly one authenticated request
-- ---------------------------------------------------------------------------------------------
select lives_ok(
  $$select tests.run_cron_job('cluso-retention-purge')$$,
  '[SCH-020] the retention-purge job''s command runs');
select results_eq(
  $$select method::text, url, headers ->> 'Authorization', headers ->> 'Content-Type',
      convert_from(body, 'UTF8')::jsonb, timeout_milliseconds
    from net.http_request_queue where id > (select id from queue_before)$$,
  $$values ('POST'::text, 'http://example.test/functions/v1/retention-purge'::text, 'Bearer test-key'::text,
    'application/json'::text, '{}'::jsonb, 300000)$$,
  '[SCH-021] exactly one POST to /functions/v1/retention-purge, Bearer service-role key, JSON body');
select lives_ok(
  $$select tests.run_cron_job('cluso-account-erasure')$$,
  '[SCH-022] the account-erasure job''s command runs');
select results_eq(
  $$select url, headers ->> 'Authorization' from net.http_request_queue
    where id > (select id from queue_before) order by id$$,
  $$values ('http://example.test/functions/v1/retention-purge'::text, 'Bearer test-key'::text),
    ('http://example.test/functions/v1/account-erasure', 'Bearer test-key')$$,
  '[SCH-023] and queues one POST to /functions/v1/account-erasure');
create temporary table before_sweep on commit drop as
  select (select coalesce(max(id), 0) from net.http_request_queue) as request_id,
    (select count(*) from private.storage_removals) as removals;
select lives_ok(
  $$select tests.run_cron_job('cluso-storage-orphan-sweep')$$,
  '[SCH-027] the storage-orphan-sweep job''s command runs');
select results_eq(
  $$select (select count(*)::int from net.http_request_queue
            where id > (select request_id from before_sweep)),
    (select count(*)::int from private.storage_removals) - (select removals from before_sweep)::int$$,
  $$values (0, 0)$$,
  '[SCH-028] on a clean database the sweep queues nothing: no HTTP call, no Storage removal');
-- The command is the real sweep: a recording object left in a folder with no survey (written
-- directly, two hours ago: past the default one-hour grace) is queued by the next run.
create temporary table orphan on commit drop as
  select format('%s/%s/%s/%s.webm', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
    gen_random_uuid()) as name;
select tests.create_object('recordings', name, now() - interval '2 hours') from orphan;
select tests.run_cron_job('cluso-storage-orphan-sweep');
select results_eq(
  $$select bucket_id, object_name, cause from private.storage_removals
    where object_name = (select name from orphan)$$,
  $$select 'recordings'::text, name, 'orphan_swept'::text from orphan$$,
  '[SCH-029] with an orphaned recording object past the grace period, the job''s command queues its removal (cause orphan_swept)');
select vault.update_secret((select id from vault.secrets where name = 'project_url'), 'http://example.test/');
create temporary table slash_call on commit drop as
  select private.job_invoke('retention-purge', '{"dry_run":true}') as id;
select is(
  (select url from net.http_request_queue where id = (select id from slash_call)),
  'http://example.test/functions/v1/retention-purge',
  '[SCH-025] a trailing slash in project_url does not double the slash');
select is(
  (select convert_from(body, 'UTF8')::jsonb from net.http_request_queue where id = (select id from slash_call)),
  '{"dry_run":true}'::jsonb, '[SCH-026] a body is passed through');

-- ---------------------------------------------------------------------------------------------
-- Names are validated; API roles cannot call it
-- ---------------------------------------------------------------------------------------------
select throws_ok($$select private.job_invoke('../admin')$$, '22023',
  'invalid Edge Function name "../admin"', '[SCH-030] a path-like name is refused with 22023');
select throws_ok($$select private.job_invoke('Retention_Purge')$$, '22023',
  'invalid Edge Function name "Retention_Purge"', '[SCH-031] upper case and underscores are refused');
select throws_ok($$select private.job_invoke('')$$, '22023',
  'invalid Edge Function name ""', '[SCH-032] an empty name is refused');
select throws_ok($$select private.job_invoke('retention-purge?x=1')$$, '22023',
  'invalid Edge Function name "retention-purge?x=1"', '[SCH-033] a query string is refused');
select tests.authenticate_as_anon();
select throws_ok($$select private.job_invoke('retention-purge')$$, '42501',
  'permission denied for function job_invoke', '[SCH-040] anon cannot invoke Edge Functions through the database');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select throws_ok($$select private.job_invoke('retention-purge')$$, '42501',
  'permission denied for function job_invoke', '[SCH-041] service_role cannot either');
select tests.clear_authentication();
select is_empty(
  $$select r from unnest(array['anon', 'authenticated', 'service_role']) r
    where has_function_privilege(r, 'private.job_invoke(text, jsonb)', 'execute')$$,
  '[SCH-042] no API role has EXECUTE on job_invoke');
select is_empty(
  $$select r from unnest(array['anon', 'authenticated']) r
    where has_table_privilege(r, 'vault.secrets', 'select') or has_table_privilege(r, 'vault.decrypted_secrets', 'select')$$,
  '[SCH-043] clients cannot read the Vault secret the jobs use');

select * from finish();
rollback;
