-- Who reads the trail, what the membership-removal events hold, and why writers in different
-- organisations never wait on each other (one chain, one head row, per organisation).
begin;
select plan(27);

-- Fixtures (as postgres) ---------------------------------------------------------------------
select tests.create_user('owner_a'), tests.create_user('admin_a'), tests.create_user('member_a'),
  tests.create_user('leaver_a'), tests.create_user('second_owner_a'), tests.create_user('owner_b');
select tests.create_org('owner_a', 'Org A'), tests.create_org('owner_b', 'Org B');
select tests.add_member('Org A', 'admin_a', 'admin'), tests.add_member('Org A', 'member_a', 'member'),
  tests.add_member('Org A', 'leaver_a', 'member'), tests.add_member('Org A', 'second_owner_a', 'owner'),
  tests.add_member('Org B', 'member_a', 'member');
select tests.create_survey('Org A', 'alpha', 1, 1) as alpha \gset
select tests.create_survey('Org B', 'gamma', 1, 1) as gamma \gset

-- Deletions interleaved across the two organisations --------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select count(*) from public.delete_survey(:'alpha');
select tests.clear_authentication(), tests.authenticate_as('owner_b');
select count(*) from public.delete_survey(:'gamma');
select tests.clear_authentication(), tests.authenticate_as('admin_a');
select count(*) from public.restore_survey(:'alpha');

-- Membership removals: leaving, being removed, an owner leaving ---------------------------------
select tests.clear_authentication(), tests.authenticate_as('leaver_a');
select gen_random_uuid() as leave_request \gset
select set_config('request.headers', json_build_object('x-request-id', :'leave_request')::text, true);
select lives_ok($$delete from public.memberships
    where org_id = tests.org_id('Org A') and user_id = auth.uid()$$,
  '[AUC-001] a member leaves the organisation');
-- An upper-case uuid is a uuid too: kept as sent.
select tests.clear_authentication(), tests.authenticate_as('owner_a');
select upper(gen_random_uuid()::text) as removal_request \gset
select set_config('request.headers', json_build_object('x-request-id', :'removal_request')::text, true);
select lives_ok($$delete from public.memberships
    where org_id = tests.org_id('Org A') and user_id = tests.user_id('member_a')$$,
  '[AUC-002] the owner removes a member');
select tests.clear_authentication(), tests.authenticate_as('second_owner_a');
select set_config('request.headers', '', true);
select lives_ok($$delete from public.memberships
    where org_id = tests.org_id('Org A') and user_id = auth.uid()$$,
  '[AUC-003] a second owner leaves');

select tests.clear_authentication();
select results_eq(
  $$select actor_kind, actor_id, org_id, target_table, target_id, reason, request_id, details
    from audit.events where action = 'membership.removed' order by seq$$,
  format($$values
    ('user', %1$L::uuid, %4$L::uuid, 'public.memberships', %1$L, 'member_left', %5$L,
     '{"was_owner": false}'::jsonb),
    ('user', %2$L::uuid, %4$L::uuid, 'public.memberships', %6$L, 'member_removed', %7$L,
     '{"was_owner": false}'::jsonb),
    ('user', %3$L::uuid, %4$L::uuid, 'public.memberships', %3$L, 'member_left',
     'tx:' || pg_current_xact_id()::text, '{"was_owner": true}'::jsonb)$$,
    tests.user_id('leaver_a'), tests.user_id('owner_a'), tests.user_id('second_owner_a'),
    tests.org_id('Org A'), :'leave_request', tests.user_id('member_a'), :'removal_request'),
  '[AUC-004] each removal is audited: who, whom, why (member_left / member_removed), request id');

-- Content: ids, codes, counts and flags only -----------------------------------------------------
select is(
  (select count(*)::int from audit.events e, jsonb_each(e.details) d
   where jsonb_typeof(d.value) not in ('number', 'boolean', 'null')),
  0, '[AUC-005] every event''s details are numbers, booleans or null');
select is(
  (select count(*)::int from audit.events e
   where e::text ~* '@|example\.test|Survey |resp-|transcript of|Question |Org A|Org B'),
  0, '[AUC-006] no event holds an email, a title, a respondent ref, a transcript or an org name');

-- Chains: one per organisation, each numbered on its own; events without one share the nil chain -
\set nil_chain '00000000-0000-0000-0000-000000000000'
select is(
  (select count(*)::int from audit.events
   where chain_id <> coalesce(org_id, :'nil_chain')),
  0, '[AUC-007] every event''s chain is its organisation (chain_id = org_id)');
select results_eq(
  $$select o.name, array_agg(e.seq order by e.seq) from audit.events e
    left join public.organizations o on o.id = e.chain_id group by o.name order by o.name$$,
  $$values ('Org A', array[1, 2, 3, 4, 5]::bigint[]), ('Org B', array[1]::bigint[])$$,
  '[AUC-008] interleaved writes: A numbers 1..5 and B 1..1, independently');
select results_eq(
  $$select o.name, h.seq, h.hash = e.hash from audit.chain_heads h
    left join public.organizations o on o.id = h.chain_id
    join audit.events e on e.chain_id = h.chain_id and e.seq = h.seq order by o.name$$,
  $$values ('Org A', 5::bigint, true), ('Org B', 1::bigint, true)$$,
  '[AUC-009] one head row per organisation, pointing at its own last event');
select is(
  (audit.record_event('account.erased', null, 'auth.users', gen_random_uuid()::text,
    'user_request', '{}', 'erasure')).chain_id,
  :'nil_chain'::uuid,
  '[AUC-010] events without an organisation go to the nil chain');

-- Locking: an append locks only its own chain's head row ---------------------------------------------
-- A second connection cannot be opened from pgTAP, so the lock footprint is inspected instead:
-- the append runs in a fresh subtransaction; B's head row must not be touched (its xmax, which
-- a FOR UPDATE or UPDATE would set, and its ctid stay the same) while A's head moves.
select xmax::text as b_xmax, ctid::text as b_ctid from audit.chain_heads
  where chain_id = tests.org_id('Org B') \gset
select ctid::text as a_ctid from audit.chain_heads
  where chain_id = tests.org_id('Org A') \gset
savepoint append_a;
select (audit.record_event('survey.soft_deleted', tests.org_id('Org A'), 'public.surveys',
  'lock-probe', 'user_request', '{}', 'probe')).seq as probe_seq \gset
select xmax::text as b_xmax_after, ctid::text as b_ctid_after from audit.chain_heads
  where chain_id = tests.org_id('Org B') \gset
select ctid::text as a_ctid_after from audit.chain_heads
  where chain_id = tests.org_id('Org A') \gset
select string_agg(distinct l.mode, ',' order by l.mode) as audit_lock_modes
  from pg_locks l
  where l.pid = pg_backend_pid() and l.locktype = 'relation'
    and l.relation in ('audit.events'::regclass, 'audit.chain_heads'::regclass) \gset
select count(*)::int as advisory_locks from pg_locks
  where pid = pg_backend_pid() and locktype = 'advisory' \gset
release savepoint append_a;
select is(:'probe_seq'::bigint, 6::bigint, '[AUC-011] (the probe appended to chain A)');
select isnt(:'a_ctid_after'::text, :'a_ctid'::text, '[AUC-012] A''s head row was rewritten by the append');
select is(:'b_xmax_after'::text || ' ' || :'b_ctid_after', :'b_xmax'::text || ' ' || :'b_ctid',
  '[AUC-013] B''s head row was neither locked nor rewritten by A''s append');
select ok(:'audit_lock_modes'::text <> ''
    and string_to_array(:'audit_lock_modes', ',') <@ array['AccessShareLock', 'RowShareLock', 'RowExclusiveLock'],
  '[AUC-014] the append takes no table lock stronger than ROW EXCLUSIVE (no cross-organisation serialisation), got: '
    || :'audit_lock_modes');
select is(:'advisory_locks'::int, 0, '[AUC-015] and no advisory lock');

-- Readers ---------------------------------------------------------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('owner_a');
select results_eq(
  $$select action, reason from public.audit_events(tests.org_id('Org A')) order by occurred_at$$,
  $$values ('survey.soft_deleted', 'user_request'), ('survey.restored', 'user_request'),
           ('membership.removed', 'member_left'), ('membership.removed', 'member_removed'),
           ('membership.removed', 'member_left'), ('survey.soft_deleted', 'user_request')$$,
  '[AUC-016] org A''s owner reads all of A''s events through public.audit_events');
select is_empty($$select * from public.audit_events(tests.org_id('Org B'))$$,
  '[AUC-017] but none of org B''s');
select is((select count(*)::int from audit.events), 6,
  '[AUC-018] reading audit.events directly, RLS also limits the owner to A''s events');

select tests.clear_authentication(), tests.authenticate_as('admin_a');
select is((select count(*)::int from public.audit_events(tests.org_id('Org A'))), 6,
  '[AUC-019] an admin of A reads A''s events');
select is((select count(*)::int from public.audit_events(tests.org_id('Org A'), 2)), 2,
  '[AUC-020] p_limit pages the trail');

-- member_a is a plain member of org B (and was removed from A).
select tests.clear_authentication(), tests.authenticate_as('member_a');
select is_empty($$select * from public.audit_events(tests.org_id('Org B'))$$,
  '[AUC-021] a plain member reads none of their organisation''s events');
select is_empty($$select * from public.audit_events(tests.org_id('Org A'))$$,
  '[AUC-022] a removed member reads none of the old organisation''s events');
select is_empty($$select * from audit.events$$,
  '[AUC-023] nor anything by reading audit.events directly');

select tests.clear_authentication(), tests.authenticate_as('owner_b');
select results_eq($$select action from public.audit_events(tests.org_id('Org B'))$$,
  $$values ('survey.soft_deleted')$$,
  '[AUC-024] org B''s owner reads B''s one event');
select is_empty($$select * from public.audit_events(tests.org_id('Org A'))$$,
  '[AUC-025] another organisation''s owner reads none of A''s events');

select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok($$select * from public.audit_events(tests.org_id('Org A'))$$,
  '42501', 'permission denied for function audit_events',
  '[AUC-026] anon cannot call audit_events');
select throws_ok($$select * from audit.events$$,
  '42501', 'permission denied for schema audit',
  '[AUC-027] nor read audit.events');

select * from finish();
rollback;
