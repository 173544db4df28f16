-- Account erasure and the mail outbox (docs/ACCOUNT_ERASURE.md): the erasure deletes every
-- message addressed to the account (in any case), in any state, leased ones included, and the
-- mail sender's later calls on a deleted message neither send it nor fail; a security report's
-- acknowledgement to the same address stays with its report; an incident notice deleted before
-- delivery leaves its recipient unreachable, so the incident can still close; other addresses,
-- even ones containing the erased one, keep their mail; an account the platform deleted loses
-- its mail too (found by the address's hash); the account.erased event counts what went.
begin;
select plan(11);
set local timezone = 'UTC';
select tests.clear_account_erasure_queue();
delete from private.mail_outbox;
select tests.set_now('2030-05-01 12:00:00+00');

select tests.create_user('ann');
select tests.create_user('olga');
select tests.create_user('dan');

-- Two of Ann's messages are with a sender: one claimed (leased, not yet marked), one marked
-- sending under a live lease (the SMTP call may be under way).
select tests.remember_id('claimed', private.mail_enqueue('ann@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
select tests.remember_id('sending', private.mail_enqueue('Ann@Example.TEST', 'dsr_receipt',
  '{"reference": "DSR-0123456789AB"}'));
create temporary table leases on commit drop as
  select c.id, c.lease_token from private.mail_claim(100) c;
select ok(private.mail_mark_sending(tests.remembered_id('sending'),
    (select lease_token from leases where id = tests.remembered_id('sending'))),
  '[ERM-001] control: one message is marked sending under its lease');

-- Not leased: a security report's acknowledgement to Ann's address, others' mail (two addresses
-- that contain Ann's), and an incident notice to Ann.
select tests.remember_id('ack', private.mail_enqueue('ann@example.test', 'security_report_ack',
  '{"reference": "SR-0123456789AB", "channel": "web"}'));
select tests.remember_id('lookalike', private.mail_enqueue('xann@example.test',
  'data_export_ready', '{"reference": "DSR-0123456789AB"}'));
select tests.remember_id('longer', private.mail_enqueue('ann@example.test.example',
  'data_export_ready', '{"reference": "DSR-0123456789AB"}'));
select tests.remember_id('olga', private.mail_enqueue('olga@example.test', 'dsr_receipt',
  '{"reference": "DSR-0123456789AB"}'));
select tests.open_incident('breach', '2030-05-01 10:00:00+00',
  jsonb_build_object('accounts', jsonb_build_array(tests.user_id('ann')),
    'window', jsonb_build_object('from', '2030-04-30 00:00:00+00', 'to', '2030-05-01 09:00:00+00')));
select private.incident_scope(tests.incident_ref('breach'));
select private.incident_notify(tests.incident_ref('breach'));
select is(
  (select count(*)::int from private.mail_outbox where lower(recipient) = 'ann@example.test'),
  4, '[ERM-002] positive control: four messages to Ann''s address, one of them an incident notice');

select tests.remember_id('ann user', tests.user_id('ann'));
select tests.request_account_erasure('ann');
select count(*) from tests.run_account_erasure('ann');

select set_eq(
  $$select id from private.mail_outbox$$,
  $$values (tests.remembered_id('ack')), (tests.remembered_id('lookalike')),
    (tests.remembered_id('longer')), (tests.remembered_id('olga'))$$,
  '[ERM-003] Ann''s mail is gone, leased or not, whatever its case; her security report''s acknowledgement and everybody else''s mail stay');
select is(
  private.mail_mark_sending(tests.remembered_id('claimed'),
    (select lease_token from leases where id = tests.remembered_id('claimed'))),
  false, '[ERM-004] the sender holding the claimed message is told not to send it');
select is(
  private.mail_settle(tests.remembered_id('sending'),
    (select lease_token from leases where id = tests.remembered_id('sending'))),
  null, '[ERM-005] the sender settling the message it was sending finds nothing to settle, without an error');
select is_empty(
  $$select id from private.mail_outbox where status = 'sent'$$,
  '[ERM-006] and records nothing: no message to Ann''s address is kept as sent');
select results_eq(
  $$select mail_id is null, delivered_at is null, unreachable_at is not null
    from private.incident_recipients where incident_id = tests.remembered_id('breach')$$,
  $$values (true, true, true)$$,
  '[ERM-007] the incident''s recipient whose notice was deleted is unreachable, not waiting for mail');
select lives_ok(
  format('select private.incident_close(%L)', tests.incident_ref('breach')),
  '[ERM-008] so the incident can close');
select is(
  (select (details ->> 'mail_messages_deleted')::int from audit.events
   where action = 'account.erased' and target_id = tests.remembered_id('ann user')::text),
  3, '[ERM-010] the account.erased event counts the three messages the erasure deleted');

-- An account the platform deleted: only the hash of its address is left to find its mail by.
select tests.remember_id('dan mail', private.mail_enqueue('DAN@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
select tests.remember_id('dan user', tests.user_id('dan'));
delete from auth.users where id = tests.user_id('dan');
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select is_empty(
  $$select 1 from private.mail_outbox where id = tests.remembered_id('dan mail')$$,
  '[ERM-009] a platform-deleted account''s mail is gone once its erasure completes');
select is(
  (select (details ->> 'mail_messages_deleted')::int from audit.events
   where action = 'account.erased' and target_id = tests.remembered_id('dan user')::text),
  1, '[ERM-011] and its event counts that one message');

select * from finish();
rollback;
