-- Who reads the trail, what the membership-removal events hold, and why writers in different
-- organisations never wait on each other (one chain, one head row, per organisation).
begin;
select plan(27);

-- Fixtures (as postgres) ---------------------------------------------------------------------
select tests.create_user('a1000000-0000-4000-8000-000000000001', 'owner-a@example.test');
select tests.create_user('a2000000-0000-4000-8000-000000000002', 'admin-a@example.test');
select tests.create_user('a3000000-0000-4000-8000-000000000003', 'member-a@example.test');
select tests.create_user('a4000000-0000-4000-8000-000000000004', 'leaver-a@example.test');
select tests.create_user('a5000000-0000-4000-8000-000000000005', 'second-owner-a@example.test');
select tests.create_user('b1000000-0000-4000-8000-000000000001', 'owner-b@example.test');
insert into public.organizations (id, name, created_by) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'Org A', 'a1000000-0000-4000-8000-000000000001'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'Org B', 'b1000000-0000-4000-8000-000000000001');
select tests.add_member('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a1000000-0000-4000-8000-000000000001', 'owner');
select tests.add_member('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a2000000-0000-4000-8000-000000000002', 'admin');
select tests.add_member('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a3000000-0000-4000-8000-000000000003', 'member');
select tests.add_member('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a4000000-0000-4000-8000-000000000004', 'member');
select tests.add_member('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a5000000-0000-4000-8000-000000000005', 'owner');
select tests.add_member('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'b1000000-0000-4000-8000-000000000001', 'owner');
select tests.add_member('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'a3000000-0000-4000-8000-000000000003', 'member');
select tests.create_survey('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'alpha', 1, 1) as alpha \gset
select tests.create_survey('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'gamma', 1, 1) as gamma \gset

-- Deletions interleaved across the two organisations --------------------------------------------
select tests.clear_authentication(), tests.authenticate_as('a2000000-0000-4000-8000-000000000002');
select count(*) from public.delete_survey(:'alpha');
select tests.clear_authentication(), tests.authenticate_as('b1000000-0000-4000-8000-000000000001');
select count(*) from public.delete_survey(:'gamma');
select tests.clear_authentication(), tests.authenticate_as('a2000000-0000-4000-8000-000000000002');
select count(*) from public.restore_survey(:'alpha');

-- Membership removals: leaving, being removed, an owner leaving ---------------------------------
select tests.clear_authentication(), tests.authenticate_as('a4000000-0000-4000-8000-000000000004');
select set_config('request.headers', '{"x-request-id":"5d1e7e00-0000-4000-8000-00000000a001"}', true);
select lives_ok($$delete from public.memberships
    where org_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and user_id = auth.uid()$$,
  '[AUC-001] a member leaves the organisation');
-- (An upper-case uuid is a uuid too: kept as sent.)
select tests.clear_authentication(), tests.authenticate_as('a1000000-0000-4000-8000-000000000001');
select set_config('request.headers', '{"x-request-id":"5D1E7E00-0000-4000-8000-00000000A002"}', true);
select lives_ok($$delete from public.memberships
    where org_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and user_id = 'a3000000-0000-4000-8000-000000000003'$$,
  '[AUC-002] the owner removes a member');
select tests.clear_authentication(), tests.authenticate_as('a5000000-0000-4000-8000-000000000005');
select set_config('request.headers', '', true);
select lives_ok($$delete from public.memberships
    where org_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and user_id = auth.uid()$$,
  '[AUC-003] a second owner leaves');

select tests.clear_authentication();
select results_eq(
  $$select actor_kind, actor_id, org_id, target_table, target_id, reason, request_id, details
    from audit.events where action = 'membership.removed' order by seq$$,
  $$values
    ('user', 'a4000000-0000-4000-8000-000000000004'::uuid, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid,
     'public.memberships', 'a4000000-0000-4000-8000-000000000004', 'member_left', '5d1e7e00-0000-4000-8000-00000000a001',
     '{"was_owner": false}'::jsonb),
    ('user', 'a1000000-0000-4000-8000-000000000001'::uuid, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid,
     'public.memberships', 'a3000000-0000-4000-8000-000000000003', 'member_removed', '5D1E7E00-0000-4000-8000-00000000A002',
     '{"was_owner": false}'::jsonb),
    ('user', 'a5000000-0000-4000-8000-000000000005'::uuid, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid,
     'public.memberships', 'a5000000-0000-4000-8000-000000000005', 'member_left',
     'tx:' || pg_current_xact_id()::text, '{"was_owner": true}'::jsonb)$$,
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

-- Chains: one per organisation, each numbered on its own --------------------------------------------
select is(
  (select count(*)::int from audit.events
   where chain_id <> coalesce(org_id, '00000000-0000-0000-0000-000000000000')),
  0, '[AUC-007] every event''s chain is its organisation (chain_id = org_id)');
select results_eq(
  $$select chain_id, array_agg(seq order by seq) from audit.events group by chain_id order by chain_id$$,
  $$values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, array[1, 2, 3, 4, 5]::bigint[]),
           ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, array[1]::bigint[])$$,
  '[AUC-008] interleaved writes: A numbers 1..5 and B 1..1, independently');
select results_eq(
  $$select h.chain_id, h.seq, h.hash = e.hash from audit.chain_heads h
    join audit.events e on e.chain_id = h.chain_id and e.seq = h.seq order by 1$$,
  $$values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 5::bigint, true),
           ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, 1::bigint, true)$$,
  '[AUC-009] one head row per organisation, pointing at its own last event');
select is(
  (audit.record_event('auth_user.erased', null, 'auth.users', 'c0000000-0000-4000-8000-00000000000c',
    'user_request', '{}', 'erasure')).chain_id,
  '00000000-0000-0000-0000-000000000000'::uuid,
  '[AUC-010] events without an organisation go to the nil chain');

-- Locking: an append locks only its own chain's head row ---------------------------------------------
-- A second connection cannot be opened from pgTAP, so the lock footprint is inspected instead:
-- the append runs in a fresh subtransaction; B's head row must not be touched (its xmax, which
-- a FOR UPDATE or UPDATE would set, and its ctid stay the same) while A's head moves.
select xmax::text as b_xmax, ctid::text as b_ctid from audit.chain_heads
  where chain_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' \gset
select ctid::text as a_ctid from audit.chain_heads
  where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' \gset
savepoint append_a;
select (audit.record_event('survey.soft_deleted', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'public.surveys',
  'lock-probe', 'user_request', '{}', 'probe')).seq as probe_seq \gset
select xmax::text as b_xmax_after, ctid::text as b_ctid_after from audit.chain_heads
  where chain_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' \gset
select ctid::text as a_ctid_after from audit.chain_heads
  where chain_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' \gset
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
select tests.clear_authentication(), tests.authenticate_as('a1000000-0000-4000-8000-000000000001');
select results_eq(
  $$select action, reason from public.audit_events('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') order by occurred_at$$,
  $$values ('survey.soft_deleted', 'user_request'), ('survey.restored', 'user_request'),
           ('membership.removed', 'member_left'), ('membership.removed', 'member_removed'),
           ('membership.removed', 'member_left'), ('survey.soft_deleted', 'user_request')$$,
  '[AUC-016] org A''s owner reads all of A''s events through public.audit_events');
select is_empty($$select * from public.audit_events('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')$$,
  '[AUC-017] but none of org B''s');
select is((select count(*)::int from audit.events), 6,
  '[AUC-018] reading audit.events directly, RLS also limits the owner to A''s events');

select tests.clear_authentication(), tests.authenticate_as('a2000000-0000-4000-8000-000000000002');
select is((select count(*)::int from public.audit_events('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')), 6,
  '[AUC-019] an admin of A reads A''s events');
select is((select count(*)::int from public.audit_events('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 2)), 2,
  '[AUC-020] p_limit pages the trail');

-- a3 is still a plain member of org B (and was removed from A).
select tests.clear_authentication(), tests.authenticate_as('a3000000-0000-4000-8000-000000000003');
select is_empty($$select * from public.audit_events('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')$$,
  '[AUC-021] a plain member reads none of their organisation''s events');
select is_empty($$select * from public.audit_events('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')$$,
  '[AUC-022] a removed member reads none of the old organisation''s events');
select is_empty($$select * from audit.events$$,
  '[AUC-023] nor anything by reading audit.events directly');

select tests.clear_authentication(), tests.authenticate_as('b1000000-0000-4000-8000-000000000001');
select results_eq($$select action from public.audit_events('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')$$,
  $$values ('survey.soft_deleted')$$,
  '[AUC-024] org B''s owner reads B''s one event');
select is_empty($$select * from public.audit_events('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')$$,
  '[AUC-025] another organisation''s owner reads none of A''s events');

select tests.clear_authentication(), tests.authenticate_as_anon();
select throws_ok($$select * from public.audit_events('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')$$,
  '42501', 'permission denied for function audit_events',
  '[AUC-026] anon cannot call audit_events');
select throws_ok($$select * from audit.events$$,
  '42501', 'permission denied for schema audit',
  '[AUC-027] nor read audit.events');

select * from finish();
rollback;
