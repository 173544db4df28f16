-- Receipts of completed data-subject requests (docs/DATA_SUBJECT_RIGHTS.md, "Receipts"): the
-- database builds the content (reference, codes, counts, instants, the audit position), stores
-- only a signature over exactly that content, and mails it; it names nobody. Signing and
-- verification themselves are proven end to end in supabase/functions/tests/data_export_test.ts.
begin;
select plan(14);

delete from private.dsr_requests;
select tests.create_user('gus');
select tests.remember_id('gus access', (private.dsr_open('access', 'account', 'CCPA',
  'data_export', tests.user_id('gus'), p_subject_user_id => tests.user_id('gus'))).id);
select is_empty($$select * from private.dsr_receipt_pending()$$,
  '[RCP-001] an open request has no receipt to sign');
select private.dsr_complete(tests.remembered_id('gus access'), '{"surveys_created": 4}', 'test');

create temporary table pending on commit drop as select * from private.dsr_receipt_pending();
select results_eq(
  $$select content ->> 'format', content ->> 'request', content ->> 'type', content ->> 'regime',
      content -> 'counts', (content -> 'audit' ->> 'seq')::bigint
    from pending$$,
  $$select 'cluso.dsr-receipt.v1'::text, r.ref, 'access'::text, 'CCPA'::text,
      '{"surveys_created": 4}'::jsonb, r.audit_seq
    from private.dsr_requests r where r.id = tests.remembered_id('gus access')$$,
  '[RCP-002] the content: format, reference, type, regime, counts and the audit position');
select is((select content -> 'audit' ->> 'hash' from pending),
  (select encode(e.hash, 'hex') from audit.events e join private.dsr_requests r
     on (e.chain_id, e.seq) = (r.audit_chain_id, r.audit_seq)
   where r.id = tests.remembered_id('gus access')),
  '[RCP-003] with the hash of the audit event that records the completion');
select ok(position(tests.user_id('gus')::text in (select content::text from pending)) = 0
  and position('@' in (select content::text from pending)) = 0,
  '[RCP-004] the receipt names nobody');

select throws_ok(
  $$select private.dsr_receipt_store((select id from pending),
    jsonb_set((select content from pending), '{counts,surveys_created}', '40'),
    repeat('A', 86), '0123456789abcdef')$$,
  '22023', 'the receipt does not match the request',
  '[RCP-005] a signature over other content than the request''s is refused');
select is(private.dsr_receipt_store((select id from pending), (select content from pending),
    repeat('A', 86), '0123456789abcdef'), true,
  '[RCP-006] the signed receipt is stored and mailed to the requester');
select results_eq(
  $$select template, params -> 'receipt', params ->> 'signature' from private.mail_outbox
    where recipient = (select email from auth.users where id = tests.user_id('gus'))$$,
  $$select 'dsr_receipt'::text, (select content from pending), repeat('A', 86)$$,
  '[RCP-007] the mail carries the receipt and its signature');
select throws_ok(
  $$select private.dsr_receipt_store((select id from pending), (select content from pending),
    repeat('A', 86), '0123456789abcdef')$$,
  'P0002', null, '[RCP-008] a receipt is signed once');
select is(private.dsr_receipt((select content ->> 'request' from pending)) ->> 'alg', 'Ed25519',
  '[RCP-009] ops fetch the signed document by reference');
select throws_ok(
  $$update private.dsr_requests set state = 'open', closed_at = null, outcome = null
    where id = tests.remembered_id('gus access')$$,
  '23514', null, '[RCP-010] only a completed request carries a receipt');

select tests.authenticate_as('gus');
select throws_ok($$select private.dsr_receipt('DSR-000000000000')$$, '42501', null,
  '[RCP-011] clients cannot read receipts from the database');
select tests.clear_authentication();

-- A receipt left unsigned (no key, a failing phase) turns job health red after an hour.
select tests.set_now('2030-01-01 10:00+00');
select tests.remember_id('gus erasure', (private.dsr_open('erasure', 'account', 'GDPR',
  'account_erasure', tests.user_id('gus'), p_subject_user_id => tests.user_id('gus'))).id);
select private.dsr_complete(tests.remembered_id('gus erasure'), '{"surveys": 0}', 'test');
select tests.set_now('2030-01-01 10:59+00');
select is((select ok from private.job_health() where check_name = 'data_subject_request_receipts_issued'),
  true, '[RCP-012] a receipt waiting under an hour is not late');
select tests.set_now('2030-01-01 11:01+00');
select results_eq(
  $$select ok, detail -> 'oldest' -> 0 ->> 'ref' from private.job_health()
    where check_name = 'data_subject_request_receipts_issued'$$,
  $$select false, (select ref from private.dsr_requests where id = tests.remembered_id('gus erasure'))$$,
  '[RCP-013] one unsigned an hour after its request completed turns job health red, by reference');
create temporary table late on commit drop as select * from private.dsr_receipt_pending();
select private.dsr_receipt_store((select id from late), (select content from late),
  repeat('B', 86), '0123456789abcdef');
select is((select ok from private.job_health() where check_name = 'data_subject_request_receipts_issued'),
  true, '[RCP-014] signed, it is green again');

select * from finish();
rollback;
