-- Account erasure requests: "When you delete your account, all associated data is removed
-- within 7 days." The client-facing side: who may ask, the exact deadline, duplicates,
-- cancelling (only before the erasure starts), and what a user can see.
begin;
select plan(33);
set local timezone = 'UTC';
select tests.clear_account_erasure_queue();

select tests.create_user('ada');
select tests.create_user('bob');
select tests.create_user('cy');
select tests.set_now('2030-03-01 10:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- Who may ask
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok(
  $$select * from public.request_account_erasure()$$,
  '42501', 'permission denied for function request_account_erasure',
  '[REQ-001] anon cannot call public.request_account_erasure (no EXECUTE)');
select throws_ok(
  $$select * from private.request_account_erasure(null)$$,
  '42501', 'permission denied for function request_account_erasure',
  '[REQ-002] anon cannot call the private twin either');
select throws_ok(
  $$select public.cancel_account_erasure()$$,
  '42501', 'permission denied for function cancel_account_erasure',
  '[REQ-003] anon cannot call public.cancel_account_erasure');
select throws_ok(
  $$select * from public.my_account_erasure()$$,
  '42501', 'permission denied for function my_account_erasure',
  '[REQ-004] anon cannot call public.my_account_erasure');

-- The authenticated role without a subject (a malformed or service token): refused by the body.
select tests.clear_authentication(), tests.authenticate_as_subjectless();
select throws_ok(
  $$select * from public.request_account_erasure()$$,
  '42501', 'sign in to delete your account',
  '[REQ-005] an authenticated call without a user id is refused with 42501');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- A signed-in user asks for their own deletion: deadline = request + 7 days, exactly
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as('ada');
create temporary table ada_request on commit drop as
  select * from public.request_account_erasure();
select results_eq(
  $$select requested_at, due_at from ada_request$$,
  $$values ('2030-03-01 10:00:00+00'::timestamptz, '2030-03-08 10:00:00+00'::timestamptz)$$,
  '[REQ-006] the request is stamped now (the SQL clock) and due exactly 7 days later');
select results_eq(
  $$select request_id, requested_at, due_at, status from public.my_account_erasure()$$,
  $$select request_id, requested_at, due_at, 'pending'::text from ada_request$$,
  '[REQ-007] my_account_erasure shows the pending request to its owner');
select throws_ok(
  $$select * from public.request_account_erasure()$$,
  'PT409', 'a deletion request for this account is already open (due 2030-03-08 10:00:00+00)',
  '[REQ-008] a second request while one is open is refused with PT409 and names the deadline');
select throws_ok(
  $$select * from public.request_account_erasure(tests.user_id('bob'))$$,
  '42501', 'you can only request the deletion of your own account',
  '[REQ-009] asking for someone else''s account is refused with 42501');
select throws_ok(
  $$select * from private.account_erasure_requests$$,
  '42501', 'permission denied for table account_erasure_requests',
  '[REQ-010] the requests table itself is not readable by the user');
select tests.clear_authentication();

select results_eq(
  $$select r.user_id, r.status, r.step, r.attempts, r.due_at - r.requested_at, r.lease_token is null
    from private.account_erasure_requests r$$,
  $$values (tests.user_id('ada'), 'pending'::text, 'transfer_ownership'::text, 0, interval '7 days',
    true)$$,
  '[REQ-011] exactly one pending, unleased request was stored, for the caller, 7 days long');
select results_eq(
  $$select action, actor_kind, actor_id, target_table, target_id, reason, details, org_id
    from audit.events where action like 'account.%'$$,
  $$values ('account.erasure_requested'::text, 'user'::text, tests.user_id('ada'), 'auth.users'::text,
    tests.user_id('ada')::text, 'user_request'::text, '{}'::jsonb, null::uuid)$$,
  '[REQ-012] the request is audited by user id only (no email), with no organisation');
select throws_ok(
  $$insert into private.account_erasure_requests (user_id, requested_at, due_at)
    values (tests.user_id('cy'), '2030-03-01 10:00+00', '2030-03-09 10:00+00')$$,
  '23514', null,
  '[REQ-013] the table itself refuses any deadline other than requested_at + 7 days');

-- Asking with one's own id spelled out is the same as asking with none.
select tests.set_now('2030-03-01 11:00:00+00');
select tests.authenticate_as('bob');
select results_eq(
  $$select due_at from public.request_account_erasure(tests.user_id('bob'))$$,
  $$values ('2030-03-08 11:00:00+00'::timestamptz)$$,
  '[REQ-014] p_user_id equal to the caller is accepted');
select results_eq(
  $$select count(*)::int, min(requested_at) from public.my_account_erasure()$$,
  $$values (1, '2030-03-01 11:00:00+00'::timestamptz)$$,
  '[REQ-015] my_account_erasure shows only the caller''s own request (bob sees his, not ada''s)');
select tests.clear_authentication();
select tests.authenticate_as('cy');
select is_empty(
  $$select * from public.my_account_erasure()$$,
  '[REQ-016] a user without a request sees nothing, not other users'' requests');
select throws_ok(
  $$select public.cancel_account_erasure()$$,
  'P0002', 'there is no open deletion request for this account',
  '[REQ-017] cancelling without a request is P0002');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- Cancelling while pending
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2030-03-02 09:00:00+00');
select tests.authenticate_as('ada');
select lives_ok(
  $$select public.cancel_account_erasure()$$,
  '[REQ-018] the owner can cancel a pending request');
select is_empty(
  $$select * from public.my_account_erasure()$$,
  '[REQ-019] after cancelling, my_account_erasure is empty');
select tests.clear_authentication();
select is(
  (select count(*)::int from private.account_erasure_requests where user_id = tests.user_id('ada')),
  0, '[REQ-020] the cancelled request row is gone');
select is(
  (select count(*)::int from private.account_erasure_requests where user_id = tests.user_id('bob')),
  1, '[REQ-021] cancelling one user''s request leaves other users'' requests alone');
select results_eq(
  $$select actor_kind, actor_id, target_id, reason from audit.events
    where action = 'account.erasure_cancelled'$$,
  $$values ('user'::text, tests.user_id('ada'), tests.user_id('ada')::text, 'user_request'::text)$$,
  '[REQ-022] the cancellation is audited, by user id');

select tests.authenticate_as('ada');
select throws_ok(
  $$select public.cancel_account_erasure()$$,
  'P0002', 'there is no open deletion request for this account',
  '[REQ-023] cancelling twice is P0002');
-- After cancelling, a new request starts a new 7-day window from the new request time.
select tests.set_now('2030-03-01 08:00:00+00');
select results_eq(
  $$select requested_at, due_at from public.request_account_erasure()$$,
  $$values ('2030-03-01 08:00:00+00'::timestamptz, '2030-03-08 08:00:00+00'::timestamptz)$$,
  '[REQ-024] a new request after a cancellation is accepted with a fresh deadline');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- Once the job has started (claimed) the request cannot be cancelled
-- ---------------------------------------------------------------------------------------------
create temporary table claimed on commit drop as
  select * from private.account_erasure_claim();
select results_eq(
  $$select user_id, status, attempts, started_at, leased_until from claimed$$,
  $$values (tests.user_id('ada'), 'in_progress'::text, 1,
    '2030-03-01 08:00:00+00'::timestamptz, '2030-03-01 08:05:00+00'::timestamptz)$$,
  '[REQ-025] the job claims the request with the earliest deadline (ada''s) with a 5-minute lease');
select tests.authenticate_as('ada');
select results_eq(
  $$select status from public.my_account_erasure()$$,
  $$values ('in_progress'::text)$$,
  '[REQ-026] the user sees that the erasure is in progress');
select throws_ok(
  $$select public.cancel_account_erasure()$$,
  'PT409', 'the deletion of this account has already started and cannot be cancelled',
  '[REQ-027] cancelling after the job started is refused with PT409');
select throws_ok(
  $$select * from public.request_account_erasure()$$,
  'PT409', 'a deletion request for this account is already open (due 2030-03-08 08:00:00+00)',
  '[REQ-028] a new request while the erasure runs is refused with PT409');
select tests.clear_authentication();
select results_eq(
  $$select status, step from private.account_erasure_requests
    where user_id = tests.user_id('ada')$$,
  $$values ('in_progress'::text, 'transfer_ownership'::text)$$,
  '[REQ-029] the refused cancellation changed nothing');
select is(
  (select count(*)::int from audit.events where action = 'account.erasure_cancelled'),
  1, '[REQ-030] a refused cancellation is not audited');

-- Even with a valid user id, a user cannot drive the job or see its internals.
select tests.authenticate_as('ada');
select throws_ok(
  $$select private.account_erasure_claim()$$,
  '42501', 'permission denied for function account_erasure_claim',
  '[REQ-031] a user cannot claim requests');
select throws_ok(
  $$select * from private.account_erasure_backlog$$,
  '42501', 'permission denied for view account_erasure_backlog',
  '[REQ-032] a user cannot read the ops status view');
select throws_ok(
  $$update private.account_erasure_requests set status = 'pending'$$,
  '42501', 'permission denied for table account_erasure_requests',
  '[REQ-033] a user cannot reset their request to pending to cancel it');
select tests.clear_authentication();

select * from finish();
rollback;
