-- Account erasure: the 7-day deadline is one instant whatever the session's time zone, one
-- failing request never blocks the queue, and one account cannot flood the shared audit chain.
begin;
select plan(15);
select tests.clear_account_erasure_queue();
select tests.create_user('berliner');
select tests.create_user('first');
select tests.create_user('second');
select tests.create_user('looper');

-- Europe/Berlin, the week before summer time starts (2026-03-29): 7 calendar days there are
-- 167 hours.
set local timezone = 'Europe/Berlin';
select tests.set_now('2026-03-24 12:00:00+01');
select tests.authenticate_as('berliner');
select r.request_id as berlin_request, extract(epoch from r.due_at - r.requested_at) as berlin_window
from public.request_account_erasure() r \gset
select tests.clear_authentication();
select is(:'berlin_window'::numeric, 604800::numeric,
  'ERA-TZ-001 a request made in Europe/Berlin before a DST change is due 168 hours later');
select is((select extract(epoch from due_at - requested_at) from private.account_erasure_requests
           where id = :'berlin_request'),
  604800::numeric, 'ERA-TZ-002 the stored deadline is 168 hours after the request');
set local timezone = 'UTC';
select lives_ok($$select private.account_erasure_claim()$$,
  'ERA-TZ-003 a UTC session claims and updates the Berlin request (the check holds in every zone)');
select is((select due_at from private.account_erasure_requests where id = :'berlin_request'),
  '2026-03-31 11:00:00+00'::timestamptz, 'ERA-TZ-004 the deadline is the same instant in UTC');
select tests.clear_account_erasure_queue();

-- One request that keeps failing: the job's next claim takes the others.
select tests.set_now('2026-04-01 00:00:00+00');
select tests.request_account_erasure('first');
select tests.set_now('2026-04-01 00:01:00+00');
select tests.request_account_erasure('second');
select c.id as first_request, c.lease_token as first_lease from private.account_erasure_claim() c \gset
select is(:'first_request'::uuid,
  (select id from private.account_erasure_requests where user_id = tests.user_id('first')),
  'ERA-Q-001 the earliest deadline is claimed first');
select private.account_erasure_fail(:'first_request', :'first_lease', 'boom');
select is((private.account_erasure_claim()).user_id, tests.user_id('second'),
  'ERA-Q-002 after a failure the next claim takes another request, not the failing one again');
select ok((select next_attempt_at > private.current_time() from private.account_erasure_requests
          where id = :'first_request'),
  'ERA-Q-003 the failed request backs off');
-- Two more failures, each once its backoff has passed.
select tests.set_now(next_attempt_at) from private.account_erasure_requests where id = :'first_request';
select c.lease_token as lease2 from private.account_erasure_claim() c where c.id = :'first_request' \gset
select private.account_erasure_fail(:'first_request', :'lease2', 'boom');
select tests.set_now(next_attempt_at) from private.account_erasure_requests where id = :'first_request';
select c.lease_token as lease3 from private.account_erasure_claim() c where c.id = :'first_request' \gset
select private.account_erasure_fail(:'first_request', :'lease3', 'boom');
select is((select h.ok from private.job_health() h where h.check_name = 'account_erasures_not_failing'),
  false, 'ERA-Q-004 job health turns red for a request that failed 3 times');
select is((select h.detail -> 'request_ids' from private.job_health() h
           where h.check_name = 'account_erasures_not_failing'),
  jsonb_build_array(:'first_request'::uuid), 'ERA-Q-005 and names that request, and only it');
select tests.clear_account_erasure_queue();

-- However often a request failed, recording one more failure works: the backoff stays bounded.
select tests.request_account_erasure('second');
update private.account_erasure_requests set failures = 60, next_attempt_at = '-infinity'
where user_id = tests.user_id('second');
select c.id as long_request, c.lease_token as long_lease from private.account_erasure_claim() c \gset
select lives_ok(format('select private.account_erasure_fail(%L, %L, %L)', :'long_request',
  :'long_lease', 'boom'), 'ERA-Q-006 a 61st failure is recorded');
select is((select next_attempt_at - private.current_time() from private.account_erasure_requests
           where id = :'long_request'), interval '1 hour', 'ERA-Q-007 and backs off at most an hour');
select tests.clear_account_erasure_queue();

-- Requests and cancellations append to the shared chain: at most 5 requests a day per account.
select tests.authenticate_as('looper');
select lives_ok($$
  select public.request_account_erasure(); select public.cancel_account_erasure();
  select public.request_account_erasure(); select public.cancel_account_erasure();
  select public.request_account_erasure(); select public.cancel_account_erasure();
  select public.request_account_erasure(); select public.cancel_account_erasure();
  select public.request_account_erasure(); select public.cancel_account_erasure();
$$, 'ERA-RL-001 five requests (each cancelled) in a day are accepted');
select throws_ok($$select public.request_account_erasure()$$, 'PT429',
  'too many deletion requests for this account in 24 hours',
  'ERA-RL-002 the sixth within 24 hours is refused with PT429');
select tests.clear_authentication();
select is((select count(*)::int from audit.events where target_id = tests.user_id('looper')::text
           and action = 'account.erasure_requested'), 5,
  'ERA-RL-003 the refused request added nothing to the trail');
select is((select count(*)::int from private.account_erasure_requests
           where user_id = tests.user_id('looper')), 0, 'ERA-RL-004 and opened no request');

select * from finish();
rollback;
