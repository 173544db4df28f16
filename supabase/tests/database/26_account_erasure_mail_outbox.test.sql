-- Account erasure and the mail outbox (docs/ACCOUNT_ERASURE.md): the erasure deletes every
-- message addressed to the account (in any case), in any state, leased ones included, and the
-- mail sender's later calls on a deleted message neither send it nor fail; a security report's
-- acknowledgement to the same address stays with its report; an incident notice deleted before
-- delivery leaves its recipient unreachable, so the incident can still close; other addresses,
-- even ones containing the erased one, keep their mail; an account the platform deleted loses
-- its mail too (found by the address's hash); the account.erased event counts what went.
-- Each address counts while the account held it: an email or phone it gave up, its mail and
-- GoTrue's entries naming it, whichever way the account goes; whoever held the address before
-- or took it after keeps theirs; an identity's email counts for nothing; the remembered hashes
-- go with the erasure.
begin;
select plan(31);
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

-- ---------------------------------------------------------------------------------------------
-- Former addresses. Eve: mail given up and queued to her first email, GoTrue's entries naming
-- only that email or her first phone; she changes both. Fay takes Eve's first email later.
-- ---------------------------------------------------------------------------------------------
select tests.set_now('2030-05-02 12:00:00+00');
select tests.create_user('eve', '+15550100901');
select tests.create_user('fay');
select tests.remember_id('eve user', tests.user_id('eve'));
select tests.remember_id('eve failed', private.mail_enqueue('eve@example.test',
  'data_export_ready', '{"reference": "DSR-0123456789AB"}'));
update private.mail_outbox set status = 'failed', attempts = 12, last_error = '550 mailbox gone'
where id = tests.remembered_id('eve failed');
select tests.remember_id('eve queued', private.mail_enqueue('EVE@example.test', 'dsr_receipt',
  '{"reference": "DSR-0123456789AB"}'));
create temporary table eve_log on commit drop as
  select gen_random_uuid() as id, v.owner, v.payload, v.created_at::timestamptz
  from (values
    ('eve', '{"action":"user_recovery_requested","actor_username":"eve@example.test","log_type":"user"}',
      '2030-05-02 11:00:00+00'),
    ('eve', '{"action":"user_confirmation_requested","actor_username":"+15550100901","log_type":"user"}',
      '2030-05-02 11:00:00+00'),
    -- Fay's, once Eve's first email is hers.
    ('fay', '{"action":"user_recovery_requested","actor_username":"eve@example.test","log_type":"user"}',
      '2030-05-02 13:00:00+00')
  ) v(owner, payload, created_at);
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select u.instance_id, l.id, l.payload::json, l.created_at, '203.0.113.9'
from eve_log l join auth.users u on u.id = tests.user_id('eve');

-- At 12:30 Eve changes her email and phone.
select tests.set_now('2030-05-02 12:30:00+00');
update auth.users set email = 'eve.new@example.test', phone = '+15550100902'
where id = tests.user_id('eve');
select set_eq(
  $$select kind, identifier_hash, held_from, left_at from private.account_identifier_windows
    where user_id = tests.user_id('eve') and left_at < 'infinity'$$,
  $$select x.kind, encode(sha256(convert_to(x.value, 'UTF8')), 'hex'),
      (select created_at from auth.users where id = tests.user_id('eve')),
      '2030-05-02 12:30:00+00'::timestamptz
    from (values ('email', 'eve@example.test'), ('phone', '+15550100901')) x(kind, value)$$,
  '[ERM-020] the account''s former email and phone are remembered as hashes of the lower-cased values only, with when it took and left each');

-- At 13:00 Fay takes Eve's first email: what she is sent there is hers.
select tests.set_now('2030-05-02 13:00:00+00');
update auth.users set email = 'eve@example.test' where id = tests.user_id('fay');
select tests.remember_id('fay mail', private.mail_enqueue('eve@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));

select tests.request_account_erasure('eve');
select count(*) from tests.run_account_erasure('eve');
select set_eq(
  $$select id from private.mail_outbox where lower(recipient) = 'eve@example.test'$$,
  $$values (tests.remembered_id('fay mail'))$$,
  '[ERM-021] Eve''s given-up and queued mail to her former email is gone; Fay''s, sent there after Eve left it, stays');
select set_eq(
  $$select id from auth.audit_log_entries where id in (select id from eve_log)$$,
  $$select id from eve_log where owner = 'fay'$$,
  '[ERM-022] GoTrue''s entries naming only Eve''s former email or former phone are gone; Fay''s later one stays');
select is(
  (select (details ->> 'mail_messages_deleted')::int from audit.events
   where action = 'account.erased' and target_id = tests.remembered_id('eve user')::text),
  2, '[ERM-023] the account.erased event counts the two messages to her former email');
select is_empty(
  $$select 1 from private.account_identifier_windows
    where user_id = tests.remembered_id('eve user')$$,
  '[ERM-024] the hashes of her former addresses are gone with the erasure');

-- Gus changes his email, then the platform deletes him.
select tests.create_user('gus');
select tests.remember_id('gus user', tests.user_id('gus'));
select tests.remember_id('gus mail', private.mail_enqueue('gus@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select u.instance_id, tests.remember_id('gus log', gen_random_uuid()),
  '{"action":"user_recovery_requested","actor_username":"gus@example.test","log_type":"user"}',
  '2030-05-02 12:00:00+00', '203.0.113.9'
from auth.users u where u.id = tests.user_id('gus');
select tests.set_now('2030-05-02 13:30:00+00');
update auth.users set email = 'gus.new@example.test' where id = tests.user_id('gus');
delete from auth.users where id = tests.user_id('gus');
select set_eq(
  $$select left_at from private.account_identifier_windows
    where user_id = tests.remembered_id('gus user')$$,
  $$values ('2030-05-02 13:30:00+00'::timestamptz), ('2030-05-02 13:30:00+00'::timestamptz)$$,
  '[ERM-025] control: a platform deletion leaves the windows of his former email and of his last one for the erasure');
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select is_empty(
  $$select 1 from private.mail_outbox where id = tests.remembered_id('gus mail')$$,
  '[ERM-026] a platform-deleted account''s mail to its former email is gone once its erasure completes');
select is_empty(
  $$select 1 from auth.audit_log_entries where id = tests.remembered_id('gus log')$$,
  '[ERM-027] and GoTrue''s entry naming only that former email');
select is_empty(
  $$select 1 from private.account_identifier_windows
    where user_id = tests.remembered_id('gus user')$$,
  '[ERM-028] and the remembered hashes');

-- Ivy held shared@ until 14:00; Jon took it at 15:00 (he changed to it from his own). Erasing Jon
-- takes what was sent and logged there since 15:00, never Ivy's from before.
select tests.set_now('2030-05-02 13:45:00+00');
select tests.create_user('ivy');
select tests.create_user('jon');
update auth.users set email = 'shared@example.test' where id = tests.user_id('ivy');
select tests.remember_id('ivy mail', private.mail_enqueue('shared@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
update private.mail_outbox set status = 'failed', attempts = 12, last_error = '550 mailbox full'
where id = tests.remembered_id('ivy mail');
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select u.instance_id, tests.remember_id('ivy log', gen_random_uuid()),
  '{"action":"user_recovery_requested","actor_username":"shared@example.test","log_type":"user"}',
  '2030-05-02 13:50:00+00', '203.0.113.9'
from auth.users u where u.id = tests.user_id('ivy');
select tests.set_now('2030-05-02 14:00:00+00');
update auth.users set email = 'ivy.new@example.test' where id = tests.user_id('ivy');
select tests.set_now('2030-05-02 15:00:00+00');
update auth.users set email = 'shared@example.test' where id = tests.user_id('jon');
select tests.remember_id('jon mail', private.mail_enqueue('shared@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select u.instance_id, tests.remember_id('jon log', gen_random_uuid()),
  '{"action":"user_recovery_requested","actor_username":"shared@example.test","log_type":"user"}',
  '2030-05-02 15:10:00+00', '203.0.113.9'
from auth.users u where u.id = tests.user_id('jon');
select tests.request_account_erasure('jon');
select count(*) from tests.run_account_erasure('jon');
select results_eq(
  $$select (select count(*)::int from private.mail_outbox
            where id in (tests.remembered_id('ivy mail'), tests.remembered_id('jon mail'))),
      (select count(*)::int from auth.audit_log_entries
            where id in (tests.remembered_id('ivy log'), tests.remembered_id('jon log'))),
      exists (select 1 from private.mail_outbox where id = tests.remembered_id('ivy mail')),
      exists (select 1 from auth.audit_log_entries where id = tests.remembered_id('ivy log'))$$,
  $$values (1, 1, true, true)$$,
  '[ERM-029] erasing the account that holds an address now takes its own mail and entries there, not those of the account that held it before');

-- Kim links a GitHub identity whose email is Lea's address: erasing Kim leaves Lea's mail.
select tests.create_user('kim');
select tests.create_user('lea');
insert into auth.identities (provider_id, user_id, identity_data, provider)
values ('github-kim', tests.user_id('kim'), '{"sub": "github-kim", "email": "lea@example.test"}',
  'github');
select tests.remember_id('lea mail', private.mail_enqueue('lea@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
select tests.request_account_erasure('kim');
select count(*) from tests.run_account_erasure('kim');
select ok(exists (select 1 from private.mail_outbox where id = tests.remembered_id('lea mail')),
  '[ERM-030] an identity''s email is the provider''s word: erasing its account leaves the mail of whoever holds that address');

-- Mo had no phone; Nia's number was +15550100777 until 16:30, when she gave it up, and Mo took
-- it at 17:00. Erasing Mo keeps Nia's entry naming it from 16:10.
select tests.set_now('2030-05-02 16:00:00+00');
select tests.create_user('mo');
select tests.create_user('nia', '+15550100777');
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
values ('00000000-0000-0000-0000-000000000000', tests.remember_id('nia log', gen_random_uuid()),
  '{"action":"user_confirmation_requested","actor_username":"+15550100777","log_type":"user"}',
  '2030-05-02 16:10:00+00', '203.0.113.9');
select tests.set_now('2030-05-02 16:30:00+00');
update auth.users set phone = null where id = tests.user_id('nia');
select tests.set_now('2030-05-02 17:00:00+00');
update auth.users set phone = '+15550100777' where id = tests.user_id('mo');
select results_eq(
  $$select held_from, left_at from private.account_identifier_windows
    where user_id = tests.user_id('mo') and kind = 'phone'$$,
  $$values ('2030-05-02 17:00:00+00'::timestamptz, 'infinity'::timestamptz)$$,
  '[ERM-031] an address set where there was none is held from that moment, not from the account''s creation');
select tests.request_account_erasure('mo');
select count(*) from tests.run_account_erasure('mo');
select ok(exists (select 1 from auth.audit_log_entries where id = tests.remembered_id('nia log')),
  '[ERM-032] so erasing the account keeps the entries of whoever held the number before');

-- Ola signed up without an email (anonymously) and linked pat's old address after pat left it;
-- the platform then deleted Ola. Pat's mail from before stays.
select tests.set_now('2030-05-02 18:00:00+00');
select tests.create_user('pat');
insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, is_anonymous)
values ('00000000-0000-0000-0000-000000000000', tests.remember_id('ola user', gen_random_uuid()),
  'authenticated', 'authenticated', null, '{}', '{}', now(), now(), true);
update auth.users set email = 'pat.old@example.test' where id = tests.user_id('pat');
select tests.remember_id('pat mail', private.mail_enqueue('pat.old@example.test',
  'data_export_ready', '{"reference": "DSR-0123456789AB"}'));
update private.mail_outbox set status = 'failed', attempts = 12, last_error = '550 mailbox full'
where id = tests.remembered_id('pat mail');
select tests.set_now('2030-05-02 18:30:00+00');
update auth.users set email = 'pat.new@example.test' where id = tests.user_id('pat');
select tests.set_now('2030-05-02 19:00:00+00');
update auth.users set email = 'pat.old@example.test', is_anonymous = false
where id = tests.remembered_id('ola user');
delete from auth.users where id = tests.remembered_id('ola user');
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select ok(exists (select 1 from private.mail_outbox where id = tests.remembered_id('pat mail')),
  '[ERM-033] an anonymous account that links an address the platform then deletes: the address''s earlier holder keeps their mail');

-- GoTrue's own statements never fail for the windows: an address left twice in one transaction,
-- and GoTrue's migrations may alter the columns' types (no trigger may depend on them).
select tests.create_user('quin');
select lives_ok(format($$update auth.users set email = 'q2@example.test' where id = %L;
    update auth.users set email = 'quin@example.test' where id = %L;
    update auth.users set email = 'q2@example.test' where id = %L;
    update auth.users set email = 'quin@example.test' where id = %L$$,
  tests.user_id('quin'), tests.user_id('quin'), tests.user_id('quin'), tests.user_id('quin')),
  '[ERM-034] changing an email back and forth in one transaction never fails');
select is_empty(
  $$select t.tgrelid::regclass::text || ' ' || t.tgname from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    where c.relnamespace = 'auth'::regnamespace and not t.tgisinternal
      and (array_length(t.tgattr, 1) > 0 or t.tgqual is not null)$$,
  '[ERM-035] no trigger of ours on GoTrue''s tables names columns or has a WHEN clause (GoTrue alters its columns'' types)');

-- An SSO account may share a password account's email (GoTrue's unique key leaves SSO users
-- out): erasing the SSO account leaves the mail to that address, which may be the other's.
select tests.create_user('rae');
insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, is_sso_user)
values ('00000000-0000-0000-0000-000000000000', tests.remember_id('rae sso', gen_random_uuid()),
  'authenticated', 'authenticated', 'rae@example.test', '{}', '{}', now(), now(), true);
select tests.remember_id('rae mail', private.mail_enqueue('rae@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
delete from auth.users where id = tests.remembered_id('rae sso');
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select ok(exists (select 1 from private.mail_outbox where id = tests.remembered_id('rae mail')),
  '[ERM-036] while two accounts hold an address at once, it is not erased by address: the other account keeps its mail');

-- Sam held sam@example.test alone until an SSO account took the same address at 21:00: erasing
-- Sam takes his mail from before, and leaves what may be the SSO account's from after.
select tests.set_now('2030-05-02 20:00:00+00');
select tests.create_user('sam');
select tests.remember_id('sam early', private.mail_enqueue('sam@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
select tests.set_now('2030-05-02 21:00:00+00');
insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, is_sso_user)
values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
  'authenticated', 'sam@example.test', '{}', '{}', '2030-05-02 21:00:00+00',
  '2030-05-02 21:00:00+00', true);
select tests.set_now('2030-05-02 21:10:00+00');
select tests.remember_id('sam late', private.mail_enqueue('sam@example.test', 'data_export_ready',
  '{"reference": "DSR-0123456789AB"}'));
select tests.request_account_erasure('sam');
select count(*) from tests.run_account_erasure('sam');
select results_eq(
  $$select exists (select 1 from private.mail_outbox where id = tests.remembered_id('sam early')),
      exists (select 1 from private.mail_outbox where id = tests.remembered_id('sam late'))$$,
  $$values (false, true)$$,
  '[ERM-037] only the time another account shared the address is left out: what was the account''s alone goes');

-- Tom gave tom.old@ up at 22:00 and Uma took it at once: Uma's erasure, whose window opens 5
-- minutes early, leaves Tom's mail of 21:58.
select tests.set_now('2030-05-02 21:50:00+00');
select tests.create_user('tom');
select tests.create_user('uma');
update auth.users set email = 'tom.old@example.test' where id = tests.user_id('tom');
select tests.set_now('2030-05-02 21:58:00+00');
select tests.remember_id('tom mail', private.mail_enqueue('tom.old@example.test',
  'data_export_ready', '{"reference": "DSR-0123456789AB"}'));
select tests.set_now('2030-05-02 22:00:00+00');
update auth.users set email = 'tom.new@example.test' where id = tests.user_id('tom');
update auth.users set email = 'tom.old@example.test' where id = tests.user_id('uma');
select tests.request_account_erasure('uma');
select count(*) from tests.run_account_erasure('uma');
select ok(exists (select 1 from private.mail_outbox where id = tests.remembered_id('tom mail')),
  '[ERM-038] the 5 minutes a window opens early never reach into the earlier holder''s own');

-- The mirror: Vic gives vic.old@ up at 23:00 and Wes takes it then, and Wes's mail to it was
-- stamped at 22:58, by a transaction that began before. Vic's erasure leaves it.
select tests.set_now('2030-05-02 22:50:00+00');
select tests.create_user('vic');
select tests.create_user('wes');
update auth.users set email = 'vic.old@example.test' where id = tests.user_id('vic');
select tests.set_now('2030-05-02 22:58:00+00');
select tests.remember_id('wes mail', private.mail_enqueue('vic.old@example.test',
  'data_export_ready', '{"reference": "DSR-0123456789AB"}'));
select tests.set_now('2030-05-02 23:00:00+00');
update auth.users set email = 'vic.new@example.test' where id = tests.user_id('vic');
update auth.users set email = 'vic.old@example.test' where id = tests.user_id('wes');
select tests.request_account_erasure('vic');
select count(*) from tests.run_account_erasure('vic');
select ok(exists (select 1 from private.mail_outbox where id = tests.remembered_id('wes mail')),
  '[ERM-039] nor do they reach into the later holder''s: the 5 minutes around a handover are neither''s to erase by address');

select * from finish();
rollback;
