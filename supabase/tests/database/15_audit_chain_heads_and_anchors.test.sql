-- The trail against a privileged insider: a removed chain head is detected and restored in
-- the open instead of blocking every later deletion; every audited statement queues its new
-- heads for the external anchor sink; holding the owner role shows in job health.
begin;
select plan(26);
select tests.create_user('ada');
select tests.create_org('ada', 'Acme');
select tests.create_survey('Acme', 'one', 1, 1);
select tests.create_survey('Acme', 'two', 1, 1);
select tests.create_survey('Acme', 'three', 1, 1);
select tests.authenticate_as('ada');
select count(*) from public.delete_survey(tests.survey_id('Acme', 'one'));
select tests.clear_authentication();

-- Anchors: the statement's new head is queued, as the heads table has it.
select is((select a.heads from private.audit_anchors a order by a.id desc limit 1),
  (select jsonb_build_array(jsonb_build_object('chain_id', h.chain_id, 'seq', h.seq,
     'hash', encode(h.hash, 'hex'))) from audit.chain_heads h where h.chain_id = tests.org_id('Acme')),
  'AUD-ANC-001 an audited statement queues the chain''s new head for anchoring');
select is((select count(*)::int from private.audit_anchor_claim()), 
  (select count(*)::int from private.audit_anchors where published_at is null),
  'AUD-ANC-002 the publisher claims every pending anchor');
select is(private.audit_anchor_settle(array(select id from private.audit_anchors), true), 
  (select count(*)::int from private.audit_anchors),
  'AUD-ANC-003 published anchors are settled');
select is((private.audit_anchor_status() ->> 'pending')::int, 0, 'AUD-ANC-004 nothing is pending');
-- A deletion whose anchor is not published within the hour turns job health red.
select tests.authenticate_as('ada');
select count(*) from public.delete_survey(tests.survey_id('Acme', 'two'));
select tests.clear_authentication();
update private.audit_anchors set created_at = created_at - interval '2 hours'
where published_at is null;
select is((select h.ok from private.job_health() h where h.check_name = 'audit_anchors_published'),
  false, 'AUD-ANC-005 an anchor pending for over an hour turns job health red');
select private.audit_anchor_settle(array(select c.id from private.audit_anchor_claim() c), false,
  'sink unreachable');
select ok((select next_attempt_at > clock_timestamp() and last_error = 'sink unreachable'
           from private.audit_anchors where published_at is null limit 1),
  'AUD-ANC-006 a failed publication keeps its error and backs off');

-- Heads waiting for the sink are coalesced: one waiting anchor per chain, moved forward.
select tests.create_survey('Acme', 'four', 1, 1);
select tests.create_survey('Acme', 'five', 1, 1);
select tests.authenticate_as('ada');
select count(*) from public.delete_survey(tests.survey_id('Acme', 'four'));
select count(*) from public.delete_survey(tests.survey_id('Acme', 'five'));
select tests.clear_authentication();
select is((select count(*)::int from private.audit_anchors a where a.chain_id = tests.org_id('Acme')
           and a.published_at is null and a.attempts = 0), 1,
  'AUD-ANC-007 two statements on one chain leave one anchor waiting');
select is((select (a.heads -> 0 ->> 'seq')::bigint from private.audit_anchors a
           where a.chain_id = tests.org_id('Acme') and a.published_at is null and a.attempts = 0),
  (select h.seq from audit.chain_heads h where h.chain_id = tests.org_id('Acme')),
  'AUD-ANC-008 holding the chain''s latest head');

-- The insider: postgres (CREATEROLE) grants itself the owner role and removes a chain head.
select tests.org_id('Acme') as acme \gset
grant cluso_audit_owner to postgres;
select is((select h.ok from private.job_health() h where h.check_name = 'audit_owner_unused'),
  false, 'AUD-INS-001 a member of the audit owner role turns job health red');
select is((select h.detail -> 'members' from private.job_health() h
           where h.check_name = 'audit_owner_unused'), '["postgres"]'::jsonb,
  'AUD-INS-002 and names it');
set local role cluso_audit_owner;
alter table audit.chain_heads disable trigger chain_heads_no_delete;
delete from audit.chain_heads where chain_id = :'acme';
alter table audit.chain_heads enable trigger chain_heads_no_delete;
reset role;
select is((select problem from audit.verify_chains() where chain_id = tests.org_id('Acme')),
  'the chain head is missing (removed)', 'AUD-INS-003 verification reports the missing head');
select tests.authenticate_as('ada');
select lives_ok($$select public.delete_survey(tests.survey_id('Acme', 'three'))$$,
  'AUD-INS-004 the next deletion in that organisation still succeeds');
select tests.clear_authentication();
select is((select count(*)::int from audit.events where chain_id = tests.org_id('Acme')
           and action = 'audit.chain_head_restored' and reason = 'head_missing'), 1,
  'AUD-INS-005 the restoration is recorded in the chain itself');
select is((select action from audit.events where chain_id = tests.org_id('Acme')
           order by seq desc limit 1), 'survey.soft_deleted',
  'AUD-INS-006 and the deletion is appended after it');
select is((select ok from audit.verify_chains() where chain_id = tests.org_id('Acme')), true,
  'AUD-INS-007 the restored chain verifies again from its events');
select is((select count(*)::int from audit.chain_heads h join audit.events e
           on e.chain_id = h.chain_id and e.seq = h.seq and e.hash = h.hash
           where h.chain_id = tests.org_id('Acme')), 1,
  'AUD-INS-008 its head points at its last event');

-- One append over a removed head and a chain that never had one: only the removed head is
-- restored; the new chain starts at its first event.
select tests.create_user('fay');
select tests.create_org('fay', 'Fresh org');
set local role cluso_audit_owner;
alter table audit.chain_heads disable trigger chain_heads_no_delete;
delete from audit.chain_heads where chain_id = :'acme';
alter table audit.chain_heads enable trigger chain_heads_no_delete;
reset role;
select count(*) from audit.record_events('survey.purged', 'public.surveys', 'retention_expired',
  array[tests.org_id('Acme'), tests.org_id('Fresh org')],
  array[gen_random_uuid()::text, gen_random_uuid()::text], p_actor_job => 'retention_purge');
select results_eq(
  $$select e.chain_id, count(*)::int from audit.events e
    where e.chain_id in (tests.org_id('Acme'), tests.org_id('Fresh org'))
      and e.action = 'audit.chain_head_restored'
    group by e.chain_id$$,
  $$values (tests.org_id('Acme'), 2)$$,
  'AUD-INS-009 one append over a removed head and a new chain restores the removed head only');
select results_eq(
  $$select e.seq, e.action from audit.events e where e.chain_id = tests.org_id('Fresh org')$$,
  $$values (1::bigint, 'survey.purged'::text)$$,
  'AUD-INS-010 the new chain starts at its first event');
select is(
  (select count(*)::int from audit.verify_chains() v
   where v.chain_id in (tests.org_id('Acme'), tests.org_id('Fresh org')) and v.ok),
  2, 'AUD-INS-011 both chains verify');
-- Moving heads: every head an UPDATE moves is checked, in one check per statement. A correctly
-- hashed next link of Fresh org's chain, written with the trail's triggers off, leaves its head
-- one event behind: moving that head to it is the one valid move.
select tests.as_audit_owner_without_triggers(tests.forged_link_sql(tests.org_id('Fresh org'), 2),
  array['audit.events']);
select tests.org_id('Fresh org') as fresh \gset
select md5(string_agg(h::text, ',' order by h.chain_id)) as heads_before
from audit.chain_heads h \gset
select throws_ok(format('select tests.as_audit_owner(%L)', format($$
    update audit.chain_heads h set seq = e.seq, hash = e.hash
    from audit.events e
    where (h.chain_id = %1$L and e.chain_id = %1$L and e.seq = 2)
       or (h.chain_id = %2$L and e.chain_id = %2$L and e.seq = h.seq - 1)$$, :'fresh', :'acme')),
  '42501', 'audit chain heads only move forward, to an event added to their chain',
  'AUD-HEAD-001 one statement moving one head forward and another back is refused whole');
select is((select md5(string_agg(h::text, ',' order by h.chain_id)) from audit.chain_heads h),
  :'heads_before', 'AUD-HEAD-002 and neither head moved');
select throws_ok(format('select tests.as_audit_owner(%L)', format($$
    update audit.chain_heads set chain_id = gen_random_uuid() where chain_id = %L$$, :'fresh')),
  '42501', 'audit chain heads only move forward, to an event added to their chain',
  'AUD-HEAD-003 a head cannot leave its chain');
select throws_ok(format('select tests.as_audit_owner(%L)', format($$
    update audit.chain_heads set chain_id = %L where chain_id = %L$$, :'acme', :'fresh')),
  '23505', null, 'AUD-HEAD-007 nor take another chain''s place (the heads'' key refuses it)');
select throws_ok(format('select tests.as_audit_owner(%L)', format($$
    update audit.chain_heads h set seq = e.seq, hash = e.hash
    from audit.events e
    where h.chain_id = %1$L and e.chain_id = %2$L and e.seq > 2$$, :'fresh', :'acme')),
  '42501', 'audit chain heads only move forward, to an event added to their chain',
  'AUD-HEAD-004 nor move to another chain''s event');
select is(tests.as_audit_owner(format($$
    update audit.chain_heads h set seq = e.seq, hash = e.hash
    from audit.events e
    where h.chain_id = %1$L and e.chain_id = %1$L and e.seq = 2$$, :'fresh')), 1::bigint,
  'AUD-HEAD-005 the valid move alone is taken');

-- An append of several events to each of two chains writes, for each, the hash
-- audit.event_hash() gives (record_events() writes the hash out; the trigger recomputes it).
select count(*) from audit.record_events('survey.purged', 'public.surveys', 'retention_expired',
  array[tests.org_id('Acme'), tests.org_id('Fresh org'), tests.org_id('Acme'),
    tests.org_id('Fresh org'), tests.org_id('Acme')],
  array['a1', 'f1', 'a2', 'f2', 'a3'],
  array['{"responses": 1}', '{"responses": 2}', '{}', '{"dry_run": false}', '{"n": null}']::jsonb[],
  p_actor_job => 'retention_purge');
select results_eq(
  $$select e.chain_id = tests.org_id('Acme'), string_agg(e.target_id, ',' order by e.seq),
      bool_and(e.hash = audit.event_hash(e.prev_hash, e.chain_id, e.seq, e.occurred_at, e.action,
        e.actor_kind, e.actor_id, e.actor_job, e.org_id, e.target_table, e.target_id, e.reason,
        e.request_id, e.details)),
      max(e.seq) - min(e.seq) + 1 = count(*)
    from audit.events e
    where e.chain_id in (tests.org_id('Acme'), tests.org_id('Fresh org'))
      and e.target_id ~ '^[af][123]$'
    group by 1 order by 1$$,
  $$values (false, 'f1,f2', true, true), (true, 'a1,a2,a3', true, true)$$,
  'AUD-HEAD-006 a two-chain append writes contiguous links, each hashed as audit.event_hash() hashes');

revoke cluso_audit_owner from postgres;

select * from finish();
rollback;
