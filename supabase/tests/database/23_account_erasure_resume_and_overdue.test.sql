-- The erasure job's robustness: a crashed runner's request resumes at its recorded step
-- (never restarting, never skipping), a stale runner is refused, two runners never share a
-- request, failures stay visible, and a request past its 7-day deadline shows as overdue until
-- it completes. A failed request backs off (30 s, doubling) while the job claims others; the
-- test clock is moved past the backoff where the same request is to be claimed again. Only the
-- job (postgres) may drive any of it.
begin;
select plan(54);
set local timezone = 'UTC';
select tests.clear_account_erasure_queue();

select tests.create_user(u) from unnest(array['rae', 'sam', 'tia']) u;
select tests.create_org('rae', 'Rae solo');
select tests.create_survey('Rae solo', s, 1, 1) from unnest(array['r1', 'r2', 'r3']) s;

select tests.set_now('2030-06-01 10:00:00+00');
select tests.request_account_erasure('rae');
select tests.set_now('2030-06-01 11:00:00+00');
select tests.request_account_erasure('sam');

-- ---------------------------------------------------------------------------------------------
-- Overdue: shown from the deadline on, in the backlog and the status summary
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2030-06-08 09:59:59+00');
select results_eq(
  $$select user_id, overdue from private.account_erasure_backlog order by due_at$$,
  $$values (tests.user_id('rae'), false), (tests.user_id('sam'), false)$$,
  '[OVD-001] one second before the deadline nothing is overdue');
select is(
  private.account_erasure_status(),
  '{"open":2,"in_progress":0,"overdue":0,"oldest_due_at":"2030-06-08T10:00:00+00:00",
    "failing":0,"failing_request_ids":[]}'::jsonb,
  '[OVD-002] the status summary counts two open requests, none overdue, none failing, and the oldest deadline');
select tests.set_now('2030-06-08 10:00:00+00');
select results_eq(
  $$select user_id, overdue from private.account_erasure_backlog order by due_at$$,
  $$values (tests.user_id('rae'), true), (tests.user_id('sam'), false)$$,
  '[OVD-003] at requested_at + 7 days exactly, Rae''s request is overdue (Sam''s, an hour younger, not yet)');
select is(
  (private.account_erasure_status() ->> 'overdue')::int, 1,
  '[OVD-004] the status summary counts it as overdue');

-- ---------------------------------------------------------------------------------------------
-- Two runners never share a request
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2030-06-08 10:00:00+00');
create temporary table first_claim on commit drop as select * from private.account_erasure_claim();
create temporary table second_claim on commit drop as select * from private.account_erasure_claim();
create temporary table third_claim on commit drop as select * from private.account_erasure_claim();
select results_eq(
  $$select user_id, step, attempts, status, started_at, leased_until from first_claim$$,
  $$values (tests.user_id('rae'), 'transfer_ownership'::text, 1, 'in_progress'::text,
    '2030-06-08 10:00:00+00'::timestamptz, '2030-06-08 10:05:00+00'::timestamptz)$$,
  '[RES-001] the first runner gets the request with the earliest deadline, leased for 5 minutes');
select is(
  (select user_id from second_claim), tests.user_id('sam'),
  '[RES-002] a second runner, while that lease is live, does not get it: it gets the next request');
select ok(
  (select id is null and user_id is null and lease_token is null from third_claim),
  '[RES-003] a third runner gets nothing (a null row): every open request is leased');
select isnt(
  (select lease_token from first_claim), (select lease_token from second_claim),
  '[RES-004] each claim has its own lease token');
select ok(
  pg_get_functiondef('private.account_erasure_claim(interval)'::regprocedure)
    ~* 'for\s+update\s+skip\s+locked',
  '[RES-024] the claim takes its request FOR UPDATE SKIP LOCKED (concurrent runners never wait on or share one)');
select throws_ok(
  format('select private.account_erasure_step(%L, %L)',
    (select id from first_claim), (select lease_token from second_claim)),
  '55P03', format('the lease on account erasure request %s was lost', (select id from first_claim)),
  '[RES-005] one runner''s token does not work on another runner''s request');
select is(
  private.account_erasure_status() - 'oldest_due_at',
  '{"open":2,"in_progress":2,"overdue":1,"failing":0,"failing_request_ids":[]}'::jsonb,
  '[OVD-005] the status summary shows both requests in progress, one overdue, none failing');

-- Sam's runner gives up cleanly (lease released); Sam's request backs off, so only Rae's is in
-- play below.
select private.account_erasure_fail(id, lease_token, 'runner stopped') from second_claim;
select results_eq(
  $$select r.failures, r.next_attempt_at, r.leased_until, r.lease_token
    from private.account_erasure_requests r join second_claim using (id)$$,
  $$values (1, '2030-06-08 10:00:30+00'::timestamptz, null::timestamptz, null::uuid)$$,
  '[FAIL-013] a failed request counts its failure, lets its lease go and backs off 30 seconds');

-- ---------------------------------------------------------------------------------------------
-- Crash after one step, then resume
-- ---------------------------------------------------------------------------------------------
select results_eq(
  $$select private.account_erasure_step(id, lease_token, 1) - 'progress' from first_claim$$,
  $$values ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb)$$,
  '[RES-010] the first runner completes the ownership step');
select results_eq(
  $$select r.step, r.progress, r.leased_until from private.account_erasure_requests r join first_claim f using (id)$$,
  $$values ('delete_solo_organizations'::text, '{"ownership_transferred":0}'::jsonb, '2030-06-08 10:05:00+00'::timestamptz)$$,
  '[RES-011] the step and its progress are recorded, and the lease renewed');
-- The runner crashes. Its lease runs out (here: moved into the past, as postgres).
update private.account_erasure_requests r set leased_until = '2030-06-08 09:59:00+00'
from first_claim f where r.id = f.id;
select throws_ok(
  format('select private.account_erasure_step(%L, %L)', (select id from first_claim), (select lease_token from first_claim)),
  '55P03', format('the lease on account erasure request %s was lost', (select id from first_claim)),
  '[RES-012] once the lease has expired, even its own token is refused');
create temporary table resumed on commit drop as select * from private.account_erasure_claim();
select results_eq(
  $$select r.id, r.step, r.attempts, r.started_at, r.progress from resumed r$$,
  $$select f.id, 'delete_solo_organizations'::text, 2, f.started_at, '{"ownership_transferred":0}'::jsonb from first_claim f$$,
  '[RES-013] the next claim resumes the same request at its recorded step, attempts 2, started_at kept');
select isnt(
  (select lease_token from resumed), (select lease_token from first_claim),
  '[RES-014] with a new lease token');
select throws_ok(
  format('select private.account_erasure_step(%L, %L)', (select id from first_claim), (select lease_token from first_claim)),
  '55P03', format('the lease on account erasure request %s was lost', (select id from first_claim)),
  '[RES-015] the stale runner''s old token is refused (55P03)');
select results_eq(
  $$select r.step, r.progress, (select count(*)::int from public.surveys s where s.org_id = tests.org_id('Rae solo'))
    from private.account_erasure_requests r join resumed using (id)$$,
  $$values ('delete_solo_organizations'::text, '{"ownership_transferred":0}'::jsonb, 3)$$,
  '[RES-016] the refused step changed nothing');
select throws_ok(
  format('select private.account_erasure_step(%L, null)', (select id from resumed)),
  '55P03', format('the lease on account erasure request %s was lost', (select id from resumed)),
  '[RES-017] a null token is refused too');

select results_eq(
  $$select private.account_erasure_step(id, lease_token, 1) -> 'surveys' from resumed$$,
  $$values ('1'::jsonb)$$,
  '[RES-018] the new runner deletes one survey (batch size 1)');
-- Crash again, mid-organisation.
update private.account_erasure_requests r set leased_until = '2030-06-08 09:59:00+00'
from resumed f where r.id = f.id;
create temporary table resumed2 on commit drop as select * from private.account_erasure_claim();
select results_eq(
  $$select r.id, r.step, r.attempts, r.progress from resumed2 r$$,
  $$select f.id, 'delete_solo_organizations'::text, 3, '{"ownership_transferred":0,"surveys_deleted":1}'::jsonb from first_claim f$$,
  '[RES-019] a second crash resumes mid-organisation with the survey count kept, attempts 3');
select is(
  (select count(*)::int from public.surveys where org_id = tests.org_id('Rae solo')),
  2, '[RES-020] the survey deleted before the crash stays deleted; the other two are still there');

-- ---------------------------------------------------------------------------------------------
-- A failing step: recorded, visible, retried, and still overdue until it completes
-- ---------------------------------------------------------------------------------------------
create function pg_temp.storage_outage() returns trigger language plpgsql as $$
begin
  raise exception 'simulated outage while deleting %', old.id using errcode = '58000';
end;
$$;
create trigger simulated_outage before delete on public.transcripts
  for each row execute function pg_temp.storage_outage();
select throws_ok(
  format('select private.account_erasure_step(%L, %L, 1)', (select id from resumed2), (select lease_token from resumed2)),
  '58000', null,
  '[FAIL-001] (fixture) the next step fails');
select lives_ok(
  format('select private.account_erasure_fail(%L, %L, %L)', (select id from resumed2),
    (select lease_token from resumed2), 'step delete_solo_organizations failed: 58000 simulated outage'),
  '[FAIL-002] the runner records the failure');
select results_eq(
  $$select s.status, s.step, s.last_error, s.leased_until, s.overdue, s.attempts, s.progress,
      s.failures, s.next_attempt_at, s.failing
    from private.account_erasure_backlog s join resumed2 r on r.id = s.request_id$$,
  $$values ('in_progress'::text, 'delete_solo_organizations'::text,
    'step delete_solo_organizations failed: 58000 simulated outage'::text, null::timestamptz, true, 3,
    '{"ownership_transferred":0,"surveys_deleted":1}'::jsonb,
    1, '2030-06-08 10:00:30+00'::timestamptz, false)$$,
  '[FAIL-003] the backlog view shows the error, the released lease, the step, overdue = true, and one failure backing off 30 seconds (not yet failing)');
select is(
  (select r.lease_token from private.account_erasure_requests r join resumed2 using (id)), null,
  '[FAIL-004] the failed runner''s token is void');
select is(
  private.account_erasure_status() - 'oldest_due_at',
  '{"open":2,"in_progress":2,"overdue":1,"failing":0,"failing_request_ids":[]}'::jsonb,
  '[FAIL-005] the status summary still counts the failed request as overdue (one failure: not yet failing)');
select ok(
  (select id is null and user_id is null and lease_token is null from private.account_erasure_claim()),
  '[FAIL-014] while both requests back off, a claim gets nothing (a null row)');
select lives_ok(
  format('select private.account_erasure_fail(%L, %L, %L)', (select id from resumed2),
    (select lease_token from first_claim), 'stale'),
  '[FAIL-006] (fixture) a stale runner reports a failure');
select is(
  (select r.last_error from private.account_erasure_requests r join resumed2 using (id)),
  'step delete_solo_organizations failed: 58000 simulated outage',
  '[FAIL-007] a failure reported with a stale token is ignored');
-- Days later, still failing: still overdue, attempts keep counting.
select tests.set_now('2030-06-10 10:00:00+00');
create temporary table retry on commit drop as select * from private.account_erasure_claim();
select results_eq(
  $$select r.id, r.attempts, r.step, r.last_error from retry r$$,
  $$select f.id, 4, 'delete_solo_organizations'::text, 'step delete_solo_organizations failed: 58000 simulated outage'::text from first_claim f$$,
  '[FAIL-009] the failed request is claimed again at the same step, attempts 4, error still shown');
select throws_ok(
  format('select private.account_erasure_step(%L, %L, 1)', (select id from retry), (select lease_token from retry)),
  '58000', null, '[FAIL-010] (fixture) and fails again');
select private.account_erasure_fail(id, lease_token, repeat('e', 3000)) from retry;
select results_eq(
  $$select length(s.last_error), s.overdue from private.account_erasure_backlog s join retry r on r.id = s.request_id$$,
  $$values (2000, true)$$,
  '[FAIL-011] the recorded error is capped at 2000 characters; the request stays overdue');
select results_eq(
  $$select s.failures, s.next_attempt_at, s.failing from private.account_erasure_backlog s
    join retry r on r.id = s.request_id$$,
  $$values (2, '2030-06-10 10:01:00+00'::timestamptz, false)$$,
  '[FAIL-015] the second failure doubles the backoff to 60 seconds');

-- The outage ends: once the backoff has passed, the next runner finishes, and the request
-- leaves the overdue list.
drop trigger simulated_outage on public.transcripts;
select tests.set_now('2030-06-10 10:01:00+00');
create temporary table recovered on commit drop as select * from private.account_erasure_claim();
select results_eq(
  $$select private.account_erasure_step(id, lease_token, 1) - 'progress' from recovered$$,
  $$values (jsonb_build_object('step', 'delete_solo_organizations',
    'organization', tests.org_id('Rae solo'), 'surveys', 1, 'done', false))$$,
  '[RES-023] after the outage the same step succeeds (attempt 5)');
select is(
  (select r.last_error from private.account_erasure_requests r join recovered using (id)), null,
  '[FAIL-012] a successful step clears the recorded error');
select is(
  (select s -> 'progress' from recovered r, tests.finish_account_erasure(r.id, r.lease_token, 1) s
   where (s ->> 'done')::boolean),
  '{"ownership_transferred":0,"surveys_deleted":3,"organizations_deleted":1,"storage_owner_cleared":0,"auth_log_entries_deleted":0,"mail_messages_deleted":0,"memberships_removed":0,"auth_user_deleted":true}'::jsonb,
  '[RES-021] resumed across two crashes and two failures, every survey is counted exactly once');
select is(
  (select count(*)::int from public.organizations where name = 'Rae solo')
  + (select count(*)::int from auth.users where id = tests.remembered_id('rae')),
  0, '[RES-022] Rae and her organisation are gone');
select results_eq(
  $$select user_id, overdue from private.account_erasure_backlog$$,
  $$values (tests.user_id('sam'), true)$$,
  '[OVD-006] the completed request has left the backlog view; Sam''s (released, now overdue) remains');
select is(
  private.account_erasure_status(),
  '{"open":1,"in_progress":1,"overdue":1,"oldest_due_at":"2030-06-08T11:00:00+00:00",
    "failing":0,"failing_request_ids":[]}'::jsonb,
  '[OVD-007] the status summary follows');
select results_eq(
  $$select last_error, attempts, failures, next_attempt_at from private.account_erasure_backlog$$,
  $$values ('runner stopped'::text, 1, 1, '2030-06-08 10:00:30+00'::timestamptz)$$,
  '[OVD-008] Sam''s request shows why it stopped, and its one failure''s backoff');

-- ---------------------------------------------------------------------------------------------
-- Only the job may drive the erasure or see its state
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$select private.account_erasure_claim()$$, '42501',
  'permission denied for function account_erasure_claim', '[PRV-001] anon cannot claim');
select throws_ok($$select private.account_erasure_step(gen_random_uuid(), gen_random_uuid())$$, '42501',
  'permission denied for function account_erasure_step', '[PRV-002] anon cannot run a step');
select tests.clear_authentication();
select tests.authenticate_as('tia');
select throws_ok($$select private.account_erasure_step(gen_random_uuid(), gen_random_uuid())$$, '42501',
  'permission denied for function account_erasure_step', '[PRV-003] authenticated cannot run a step');
select throws_ok($$select private.account_erasure_fail(gen_random_uuid(), gen_random_uuid(), 'x')$$, '42501',
  'permission denied for function account_erasure_fail', '[PRV-004] authenticated cannot record failures');
select throws_ok($$select private.account_erasure_status()$$, '42501',
  'permission denied for function account_erasure_status', '[PRV-005] authenticated cannot read the status summary');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select throws_ok($$select private.account_erasure_claim()$$, '42501',
  'permission denied for function account_erasure_claim', '[PRV-006] service_role cannot claim');
select throws_ok($$select private.account_erasure_step(gen_random_uuid(), gen_random_uuid())$$, '42501',
  'permission denied for function account_erasure_step', '[PRV-007] service_role cannot run a step');
select throws_ok($$select private.account_erasure_fail(gen_random_uuid(), gen_random_uuid(), 'x')$$, '42501',
  'permission denied for function account_erasure_fail', '[PRV-008] service_role cannot record failures');
select throws_ok($$select private.account_erasure_status()$$, '42501',
  'permission denied for function account_erasure_status', '[PRV-009] service_role cannot read the status summary');
select throws_ok($$select * from private.account_erasure_requests$$, '42501',
  'permission denied for table account_erasure_requests', '[PRV-010] service_role cannot read the requests table');
select throws_ok($$select * from private.account_erasure_backlog$$, '42501',
  'permission denied for view account_erasure_backlog', '[PRV-011] service_role cannot read the backlog view');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$select * from private.account_erasure_backlog$$, '42501',
  'permission denied for view account_erasure_backlog', '[PRV-012] anon cannot read the backlog view');
select tests.clear_authentication();

select * from finish();
rollback;
