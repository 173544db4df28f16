-- The data-subject request ledger (docs/DATA_SUBJECT_RIGHTS.md): deadlines per regime as
-- instants in UTC, duplicates refused, extensions once with a reason code, account erasure
-- requests followed from opening to completion or withdrawal, the report and job health, and the
-- 24-month retention. Nothing in it names a person.
begin;
select plan(36);

select tests.clear_account_erasure_queue();
delete from private.dsr_requests;

select tests.create_user('dora');
select tests.create_user('dino');
select tests.create_user('dana');
select tests.create_org('dana', 'Dana org');

-- ---------------------------------------------------------------------------------------------
-- Deadlines
-- ---------------------------------------------------------------------------------------------
set local timezone = 'America/Los_Angeles';
create temporary table la_due on commit drop as
  select private.dsr_due_at('GDPR', '2026-10-20 12:00+00', false) as gdpr,
    private.dsr_due_at('CCPA', '2026-10-20 12:00+00', false) as ccpa,
    private.dsr_due_at('CCPA', '2026-10-20 12:00+00', true) as ccpa_ext;
set local timezone = 'Europe/Berlin';
select is((select gdpr from la_due), private.dsr_due_at('GDPR', '2026-10-20 12:00+00', false),
  '[DSR-001] a GDPR deadline is the same instant in every session time zone');
select is((select ccpa from la_due), '2026-12-04 12:00+00'::timestamptz,
  '[DSR-002] CCPA: 45 days to the hour across a daylight-saving change, whatever the time zone');
select is((select ccpa_ext from la_due), '2027-01-18 12:00+00'::timestamptz,
  '[DSR-003] CCPA extended: 90 days in all');
reset timezone;
select is(private.dsr_due_at('GDPR', '2026-01-31 23:30+00', false), '2026-02-28 23:30+00'::timestamptz,
  '[DSR-004] GDPR: one month from the 31st ends on the last day of February (in UTC)');
select is(private.dsr_due_at('GDPR', '2026-01-31 23:30+00', true), '2026-04-28 23:30+00'::timestamptz,
  '[DSR-005] GDPR extended: two further months after the first deadline');

-- ---------------------------------------------------------------------------------------------
-- Account erasure requests are recorded
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2026-11-01 09:00+00');
select tests.request_account_erasure('dora');
select results_eq(
  $$select request_type, subject_kind, regime, source, state, received_at, due_at,
      requested_by = subject_user_id
    from private.dsr_requests where subject_user_id = tests.remembered_id('dora')$$,
  $$values ('erasure'::text, 'account'::text, 'GDPR'::text, 'account_erasure'::text, 'open'::text,
    '2026-11-01 09:00+00'::timestamptz, '2026-12-01 09:00+00'::timestamptz, true)$$,
  '[DSR-006] an account erasure request opens a ledger entry: erasure of an account, GDPR, due a month later');
select matches((select ref from private.dsr_requests where subject_user_id = tests.remembered_id('dora')),
  '^DSR-[0-9A-F]{12}$', '[DSR-007] the entry has a random reference');
select is_empty(
  $$select 1 from audit.events where target_table = 'private.dsr_requests'$$,
  '[DSR-008] the erasure audits itself (account.erasure_requested): the ledger adds no event');

-- Duplicates
select throws_like(
  $$select private.dsr_open('erasure', 'account', 'GDPR', 'account_erasure',
    tests.remembered_id('dora'), p_subject_user_id => tests.remembered_id('dora'))$$,
  'a erasure request for this subject is already open (DSR-%',
  '[DSR-009] a second open request of the same type for the same subject is refused, naming the open one');
select is((select count(*)::int from private.dsr_requests), 1,
  '[DSR-010] the refused duplicate wrote nothing');
select lives_ok(
  $$select private.dsr_open('access', 'account', 'CCPA', 'data_export',
    tests.user_id('dino'), p_subject_user_id => tests.user_id('dino'))$$,
  '[DSR-011] another type or subject is a request of its own');
select results_eq(
  $$select action, reason, details, actor_id from audit.events
    where target_table = 'private.dsr_requests' and target_id = (select id::text
      from private.dsr_requests where subject_user_id = tests.user_id('dino'))$$,
  $$values ('data_subject_request.received'::text, 'access_ccpa'::text, '{}'::jsonb,
    tests.user_id('dino'))$$,
  '[DSR-034] a request of its own is audited with codes only, by its requester');
select throws_ok(
  $$select private.dsr_open('access', 'account', 'LGPD', 'data_export',
    tests.user_id('dino'), p_subject_user_id => tests.user_id('dana'))$$,
  '22023', 'regime must be GDPR or CCPA', '[DSR-012] an unknown regime is refused');
select throws_ok(
  $$update private.dsr_requests set due_at = due_at + interval '1 day'
    where subject_user_id = tests.user_id('dino')$$,
  '23514', null, '[DSR-013] a deadline other than the regime''s is refused by the table');

-- ---------------------------------------------------------------------------------------------
-- Extension
-- ---------------------------------------------------------------------------------------------
select throws_ok(
  $$select private.dsr_extend((select ref from private.dsr_requests
    where subject_user_id = tests.user_id('dino')), 'because')$$,
  '22023', 'reason must be complexity, number_of_requests or reasonably_necessary',
  '[DSR-014] an extension needs a reason code');
select is(
  private.dsr_extend((select ref from private.dsr_requests where subject_user_id = tests.user_id('dino')),
    'reasonably_necessary'),
  '2027-01-30 09:00+00'::timestamptz,
  '[DSR-015] a CCPA request extended once is due 90 days after it arrived');
select is((select extension_reason from private.dsr_requests where subject_user_id = tests.user_id('dino')),
  'reasonably_necessary', '[DSR-016] the reason is recorded');
select throws_ok(
  $$select private.dsr_extend((select ref from private.dsr_requests
    where subject_user_id = tests.user_id('dino')), 'complexity')$$,
  '55000', 'this request has already been extended', '[DSR-017] only once');
select throws_ok($$select private.dsr_extend('DSR-000000000000', 'complexity')$$,
  'P0002', 'no data-subject request has this reference', '[DSR-018] an unknown reference is refused');

-- ---------------------------------------------------------------------------------------------
-- Report and health
-- ---------------------------------------------------------------------------------------------
select is((select bool_and(ok) from private.dsr_health()), true,
  '[DSR-019] with every deadline weeks away, the check is green');
select tests.set_now('2026-11-25 09:00+00');
select is((select ok from private.job_health() where check_name = 'data_subject_requests_within_deadline'),
  false, '[DSR-020] job health turns red when a request is due within 7 days');
select is(
  (select detail -> 'due_within_7_days_or_overdue' -> 0 ->> 'ref' from private.dsr_health()),
  (select ref from private.dsr_requests where subject_user_id = tests.remembered_id('dora')),
  '[DSR-021] naming the request by its reference');
select tests.set_now('2026-12-02 09:00+00');
select is(private.dsr_status() - 'items',
  '{"open": 2, "overdue": 1, "due_soon": 0}'::jsonb,
  '[DSR-022] dsr_status counts open, overdue and due-soon requests');
select is(
  (select array_agg(k order by k) from jsonb_object_keys(private.dsr_status() -> 'items' -> 0) k),
  array['due_at', 'received_at', 'ref', 'regime', 'state', 'type'],
  '[DSR-023] each item is a reference, codes and instants only');
select is(private.dsr_status() -> 'items' -> 0 ->> 'state', 'overdue',
  '[DSR-024] the overdue request comes first');
select ok(position('@' in private.dsr_status()::text) = 0
  and position(tests.remembered_id('dora')::text in private.dsr_status()::text) = 0,
  '[DSR-025] the report names nobody: no email, no user id');

-- ---------------------------------------------------------------------------------------------
-- Completion and withdrawal follow the erasure
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2026-11-02 09:00+00');
select tests.run_account_erasure('dora');
select results_eq(
  $$select r.state, r.closed_at, (r.outcome ->> 'memberships_removed')::int, e.action, e.target_id
    from private.dsr_requests r
    join audit.events e on (e.chain_id, e.seq) = (r.audit_chain_id, r.audit_seq)
    where r.request_type = 'erasure' and r.state = 'completed'$$,
  $$values ('completed'::text, '2026-11-02 09:00+00'::timestamptz, 0, 'account.erased'::text,
    tests.remembered_id('dora')::text)$$,
  '[DSR-026] the finished erasure completes the entry with its counts and the position of its account.erased event');
select is_empty(
  $$select 1 from private.dsr_requests r where r::text like '%' || tests.remembered_id('dora') || '%'$$,
  '[DSR-035] then the ledger forgets the erased user''s id');

select tests.request_account_erasure('dana');
select tests.authenticate_as('dana');
select public.cancel_account_erasure();
select tests.clear_authentication();
select is((select state from private.dsr_requests where subject_user_id = tests.user_id('dana')),
  'withdrawn', '[DSR-027] a cancelled erasure withdraws its entry');
select throws_ok(
  $$select private.dsr_complete((select id from private.dsr_requests
    where subject_user_id = tests.user_id('dino')), '{"rows": "many"}', 'test')$$,
  '22023', null, '[DSR-028] completion counts are integers per category code, nothing else');
select tests.remember_id('dana access', (private.dsr_open('access', 'account', 'GDPR',
  'data_export', tests.user_id('dana'), p_subject_user_id => tests.user_id('dana'))).id);
select private.dsr_complete(tests.remembered_id('dana access'), '{"surveys": 3}', 'test');
select results_eq(
  $$select e.action, e.reason, e.details, e.actor_job, r.state
    from private.dsr_requests r
    join audit.events e on (e.chain_id, e.seq) = (r.audit_chain_id, r.audit_seq)
    where r.id = tests.remembered_id('dana access')$$,
  $$values ('data_subject_request.completed'::text, 'access_gdpr'::text,
    '{"surveys": 3, "within_deadline": true}'::jsonb, 'test'::text, 'completed'::text)$$,
  '[DSR-036] any other completion is audited with its counts, and the entry points at that event');

-- ---------------------------------------------------------------------------------------------
-- Retention: closed entries leave 24 months after closing; open ones stay
-- ---------------------------------------------------------------------------------------------
update private.dsr_requests set closed_at = '2024-11-01 00:00+00'
where request_type = 'erasure' and state = 'completed';
update private.dsr_requests set closed_at = '2025-01-01 00:00+00'
where subject_user_id = tests.user_id('dana');
update private.dsr_requests set received_at = '2024-01-01 00:00+00',
  due_at = private.dsr_due_at(regime, '2024-01-01 00:00+00', true)
where subject_user_id = tests.user_id('dino');
select is(private.dsr_ledger_purge(), '{"requests_purged": 1}'::jsonb,
  '[DSR-029] the purge removes what was closed over 24 months ago');
select set_eq($$select request_type || ' ' || state from private.dsr_requests$$,
  array['erasure withdrawn', 'access completed', 'access open'],
  '[DSR-030] entries closed 22 months ago and an open one stay');
select is(
  (select count(*)::int from audit.events where action = 'data_subject_request.purged'
     and actor_job = 'dsr_ledger_purge' and reason = 'retention_expired'),
  1, '[DSR-031] each purged entry is audited');

-- ---------------------------------------------------------------------------------------------
-- Nobody reads the ledger through the API
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as('dino');
select throws_ok($$select count(*) from private.dsr_requests$$, '42501', null,
  '[DSR-032] a signed-in user cannot read the ledger');
select throws_ok($$select private.dsr_status()$$, '42501', null,
  '[DSR-033] nor run the report');
select tests.clear_authentication();

select * from finish();
rollback;
