-- The mail outbox (20261202000100_mail_outbox): claim with a lease, mark sending before the
-- SMTP/HTTP call, settle after it; retries with exponential backoff; a crash at any step
-- neither loses a message nor lets two senders send it; job health reports stuck and failed
-- mail; sent mail leaves after 30 days; nothing of it is reachable through the API.
begin;
select plan(29);

delete from private.mail_outbox;
select tests.set_now('2026-06-01 12:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- Closed to the API
-- ---------------------------------------------------------------------------------------------
select ok((select relrowsecurity and relforcerowsecurity from pg_class
           where oid = 'private.mail_outbox'::regclass),
  '[MAIL-001] the outbox has RLS enabled and forced');
select is_empty(
  $$select r from unnest(array['anon', 'authenticated', 'service_role']) r
    where has_table_privilege(r, 'private.mail_outbox', 'SELECT, INSERT, UPDATE, DELETE')$$,
  '[MAIL-002] no API role holds a privilege on the outbox');
select is_empty(
  $$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'private'::regnamespace and p.proname like 'mail\_%'
      and (has_function_privilege('anon', p.oid, 'execute')
        or has_function_privilege('authenticated', p.oid, 'execute')
        or has_function_privilege('service_role', p.oid, 'execute'))$$,
  '[MAIL-003] no API role may run a mail function');

-- ---------------------------------------------------------------------------------------------
-- Claim, mark sending, settle
-- ---------------------------------------------------------------------------------------------
select tests.enqueue_mail('ann');
select results_eq(
  $$select recipient, template, params, status, attempts from private.mail_outbox
    where id = tests.remembered_id('ann')$$,
  $$values ('ann@mail.test'::text, 'security_report_ack'::text,
    '{"reference": "SR-0123456789AB", "channel": "web"}'::jsonb, 'queued'::text, 0)$$,
  '[MAIL-010] a queued message holds recipient, template and parameters only');
select throws_ok(
  $$select private.mail_enqueue('not an address', 'security_report_ack', '{}')$$, '23514', null,
  '[MAIL-011] a recipient that is not an address is refused');
select throws_ok(
  $$select private.mail_enqueue('a@b.test', 'newsletter', '{}')$$, '23514', null,
  '[MAIL-012] a template outside the reviewed list is refused');

select tests.claim_mail('ann') as ann_token \gset
select is_empty($$select * from private.mail_claim(100)$$,
  '[MAIL-013] a leased message is not claimed again while the lease lasts');
select is(private.mail_mark_sending(tests.remembered_id('ann'), gen_random_uuid()), false,
  '[MAIL-014] another lease token cannot mark it sending');
select is(private.mail_mark_sending(tests.remembered_id('ann'), :'ann_token'), true,
  '[MAIL-015] its lease holder marks it sending before the call');
select results_eq(
  $$select status, attempts, sending_at from private.mail_outbox where id = tests.remembered_id('ann')$$,
  $$values ('sending'::text, 1, '2026-06-01 12:00:00+00'::timestamptz)$$,
  '[MAIL-016] sending counts the attempt and records when the call began');
select is(private.mail_settle(tests.remembered_id('ann'), :'ann_token', 'SMTP ECONNECTION: refused'),
  'queued', '[MAIL-017] a failed call puts it back in the queue');
select results_eq(
  $$select status, next_attempt_at, last_error, leased_until from private.mail_outbox
    where id = tests.remembered_id('ann')$$,
  $$values ('queued'::text, '2026-06-01 12:00:30+00'::timestamptz, 'SMTP ECONNECTION: refused'::text,
    null::timestamptz)$$,
  '[MAIL-018] ... due again after 30 s, keeping the transport''s error, its lease released');
select is_empty($$select * from private.mail_claim(100)$$,
  '[MAIL-019] it is not claimed before its backoff has passed');
select tests.set_now('2026-06-01 12:00:31+00');
select is(tests.attempt_mail('ann', 'SMTP 421: try later'), 'queued',
  '[MAIL-020] after the backoff it is claimed and tried again');
select is((select next_attempt_at from private.mail_outbox where id = tests.remembered_id('ann')),
  '2026-06-01 12:01:31+00'::timestamptz, '[MAIL-021] the second failure doubles the wait (60 s)');
select tests.set_now('2026-06-01 12:02:00+00');
select is(tests.attempt_mail('ann'), 'sent', '[MAIL-022] a call that succeeds settles it sent');
select results_eq(
  $$select status, attempts, sent_at, lease_token from private.mail_outbox where id = tests.remembered_id('ann')$$,
  $$values ('sent'::text, 3, '2026-06-01 12:02:00+00'::timestamptz, null::uuid)$$,
  '[MAIL-023] sent, after 3 attempts');
select is_empty($$select * from private.mail_claim(100)$$, '[MAIL-024] sent mail is never claimed again');

-- ---------------------------------------------------------------------------------------------
-- Crashes
-- ---------------------------------------------------------------------------------------------
select tests.enqueue_mail('ben');
select tests.claim_mail('ben', interval '1 minute') as ben_token \gset
select private.mail_mark_sending(tests.remembered_id('ben'), :'ben_token');
-- The sender dies mid-call. Its lease expires; the message may have left, so it is sent again,
-- flagged as a resend (the sender reuses its Message-ID and idempotency key).
select tests.set_now('2026-06-01 12:03:01+00');
select results_eq(
  $$select id, attempts, resend from private.mail_claim(100)$$,
  $$values (tests.remembered_id('ben'), 1, true)$$,
  '[MAIL-030] a message left sending by a dead sender is claimed again after its lease, as a resend');
select is(private.mail_settle(tests.remembered_id('ben'), :'ben_token', null), null,
  '[MAIL-031] the dead sender''s late settle is ignored (its lease is gone)');

-- ---------------------------------------------------------------------------------------------
-- Health: stuck and failed mail
-- ---------------------------------------------------------------------------------------------
delete from private.mail_outbox where id = tests.remembered_id('ben');
select tests.enqueue_mail('cy');
select tests.set_now('2026-06-01 13:00:00+00');
select is((select ok from private.job_health() where check_name = 'mail_not_stuck'), true,
  '[MAIL-040] mail waiting less than an hour is not stuck');
select tests.set_now('2026-06-01 13:03:02+00');
select results_eq(
  $$select ok, detail -> 'stuck_ids' from private.job_health() where check_name = 'mail_not_stuck'$$,
  $$select false, jsonb_build_array(tests.remembered_id('cy'))$$,
  '[MAIL-041] mail waiting over an hour fails mail_not_stuck and is named');
update private.mail_outbox set attempts = 11 where id = tests.remembered_id('cy');
select is(tests.attempt_mail('cy', 'SMTP 550: mailbox unavailable'), 'failed',
  '[MAIL-042] the 12th failed attempt gives the message up');
select results_eq(
  $$select ok, detail -> 'message_ids' from private.job_health() where check_name = 'mail_not_failed'$$,
  $$select false, jsonb_build_array(tests.remembered_id('cy'))$$,
  '[MAIL-043] given-up mail fails mail_not_failed and is named');
select throws_like($$select private.job_health_assert()$$, '%mail_not_failed%',
  '[MAIL-044] job_health_assert raises for it');
select is(private.mail_requeue(), 1, '[MAIL-045] ops requeue given-up mail');
select is((select ok from private.job_health() where check_name = 'mail_not_failed'), true,
  '[MAIL-046] and the check is green again');

-- ---------------------------------------------------------------------------------------------
-- Retention of sent mail
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2026-07-02 12:02:01+00');
select is(private.mail_outbox_purge(), 1, '[MAIL-050] sent mail leaves the outbox after 30 days');
select is((select count(*)::int from private.mail_outbox where id = tests.remembered_id('cy')), 1,
  '[MAIL-051] unsent mail stays, however old');

select * from finish();
rollback;
