-- Job health: the failures the Edge Functions report over pg_net (stuck Storage removals,
-- erasures past their deadline, failed calls) are gathered by private.job_health() and turned
-- into a failed hourly cron run by private.job_health_assert(), so they reach a person.
begin;
select plan(14);

-- Start from a clean slate: no queued removals, no open requests, no recorded invocations.
delete from private.storage_removals;
select tests.clear_account_erasure_queue();
delete from private.job_invocations;
delete from private.security_reports;
delete from private.mail_outbox;

select tests.create_user('owen');
select tests.create_org('owen', 'Stuck org');
select tests.create_user('lee');

select set_eq(
  $$select check_name from private.job_health()$$,
  array['storage_removals_not_stuck', 'account_erasures_within_deadline',
    'account_erasures_not_failing', 'recordings_swept', 'scheduled_runs_succeeded',
    'edge_function_calls_succeeded', 'audit_anchors_published', 'audit_owner_unused',
    'mail_not_stuck', 'mail_not_failed', 'security_reports_acknowledged',
    'recording_access_partitions_ahead', 'recording_access_retention_kept',
    'incident_users_notified', 'data_subject_requests_within_deadline', 'data_exports_built',
    'data_subject_request_receipts_issued'],
  '[HLT-001] job_health reports exactly the seventeen checks'
);
select is((select count(*)::int from private.job_health()), 17,
  '[HLT-014] one row per check: no check is reported twice');
select is((select bool_and(ok) from private.job_health()), true,
  '[HLT-002] with nothing pending, every check is ok');
select lives_ok($$select private.job_health_assert()$$,
  '[HLT-003] job_health_assert passes when every check is ok');

-- A Storage removal that failed five times is stuck.
insert into private.storage_removals (bucket_id, object_name, org_id, cause, attempts, last_error)
values ('recordings', tests.org_id('Stuck org') || '/x', tests.org_id('Stuck org'),
  'retention_expired', 5, 'Storage answered 503');
select is((select ok from private.job_health() where check_name = 'storage_removals_not_stuck'),
  false, '[HLT-004] a removal with 5 failed attempts fails the storage check');
select throws_like($$select private.job_health_assert()$$,
  'data-protection jobs need attention: storage_removals_not_stuck%',
  '[HLT-005] job_health_assert raises, naming the failing check');
delete from private.storage_removals;

-- An erasure request past its 7-day deadline.
insert into private.account_erasure_requests (user_id, requested_at, due_at)
values (tests.user_id('lee'), now() - interval '8 days', now() - interval '1 day');
select is((select ok from private.job_health() where check_name = 'account_erasures_within_deadline'),
  false, '[HLT-006] an overdue erasure request fails the deadline check');
select throws_like($$select private.job_health_assert()$$,
  '%account_erasures_within_deadline%',
  '[HLT-007] job_health_assert raises for an overdue erasure');
-- One due in 6 days is fine.
update private.account_erasure_requests
set requested_at = now() - interval '1 day', due_at = now() - interval '1 day' + interval '7 days';
select is((select ok from private.job_health() where check_name = 'account_erasures_within_deadline'),
  true, '[HLT-008] a request within its deadline passes');
select tests.clear_account_erasure_queue();

-- An Edge Function call that answered 500 (pg_net's response, found through the invocation log).
select vault.create_secret('http://example.test', 'project_url') as url_secret_id \gset
select vault.create_secret('test-key', 'service_role_key') as key_secret_id \gset
select private.job_invoke('retention-purge') as request_id \gset
select is((select function_name from private.job_invocations where request_id = :request_id),
  'retention-purge', '[HLT-009] every scheduled invocation is recorded with its pg_net request id');
-- The local pg_net stand-in sends nothing; play its worker recording the function's answer.
select net._standin_record_response(:request_id, 500, '{"error":"1 Storage removal is stuck"}');
select is((select ok from private.job_health() where check_name = 'edge_function_calls_succeeded'),
  false, '[HLT-010] a non-2xx answer from an Edge Function fails the calls check');
select private.job_invoke('account-erasure') as ok_request_id \gset
select net._standin_record_response(:ok_request_id, 200, '{}');
select is((select detail -> 'failed_calls' -> 0 ->> 'function' from private.job_health()
           where check_name = 'edge_function_calls_succeeded'),
  'retention-purge', '[HLT-011] only the failed call is reported, not the one that answered 200');

select is((select schedule from cron.job where jobname = 'cluso-job-health'), '7 * * * *',
  '[HLT-012] the health check is scheduled hourly');

select tests.authenticate_as_service_role();
select throws_ok($$select * from private.job_health()$$, '42501',
  'permission denied for function job_health',
  '[HLT-013] API roles cannot run the health check');
select tests.clear_authentication();

select * from finish();
rollback;
