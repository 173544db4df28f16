-- Tamper evidence. A privileged attacker is simulated by the trail's owner with its triggers
-- disabled (`alter table ... disable trigger user`): each kind of tampering must make
-- audit.verify_chains() name the chain and the first wrong sequence number, and a chain rewritten
-- consistently must still be caught against a digest exported before the rewrite.
-- Each tampering runs inside a savepoint: its verification result is kept in a psql variable,
-- the savepoint is rolled back (untampering the trail), and the result is asserted afterwards.
begin;
select plan(22);

-- Fixtures (as postgres): org A's chain holds 5 events, org B's 3 ----------------------------------
select tests.create_user('owner_a'), tests.create_user('owner_b');
select tests.create_org('owner_a', 'Org A'), tests.create_org('owner_b', 'Org B');
select count(audit.record_event('survey.soft_deleted', tests.org_id('Org A'), 'public.surveys',
  'a-' || g, 'user_request', jsonb_build_object('responses', g),
  p_actor_id => tests.user_id('owner_a')))
from generate_series(1, 5) g;
select count(audit.record_event('survey.soft_deleted', tests.org_id('Org B'), 'public.surveys',
  'b-' || g, 'user_request', jsonb_build_object('responses', g),
  p_actor_id => tests.user_id('owner_b')))
from generate_series(1, 3) g;
-- The two chain ids, for the attacker's statements (format() arguments 1 and 2) below.
select tests.org_id('Org A') as chain_a, tests.org_id('Org B') as chain_b \gset

-- The attacker: the owner role with the trail's triggers off,
-- tests.as_audit_owner_without_triggers(sql) (helpers/70_audit_owner.sql).
create schema t13;

-- One line per chain, in organisation name order: <org name>:<ok>:<broken_at_seq>:<problem>.
create function t13.summary(p_digest jsonb default null)
returns text
language sql
as $$
  select string_agg(format('%s:%s:%s:%s', coalesce(o.name, v.chain_id::text), v.ok::text,
      coalesce(v.broken_at_seq::text, '-'), coalesce(v.problem, '-')), ' | '
      order by coalesce(o.name, v.chain_id::text))
  from audit.verify_chains(p_digest) v
  left join public.organizations o on o.id = v.chain_id;
$$;

-- Untampered ---------------------------------------------------------------------------------------
select is(t13.summary(), 'Org A:true:-:- | Org B:true:-:-', '[TAM-001] the untampered trail verifies');
select results_eq(
  $$select coalesce(o.name, v.chain_id::text), v.events from audit.verify_chains() v
    left join public.organizations o on o.id = v.chain_id order by 1$$,
  $$values ('Org A', 5::bigint), ('Org B', 3::bigint)$$,
  '[TAM-002] one chain per organisation, with its event count');

select audit.export_digest() as digest \gset
select set_eq(
  format($$select c - 'hash' from jsonb_array_elements(%L::jsonb -> 'chains') c$$, :'digest'),
  format($$values (jsonb_build_object('chain_id', %L::uuid, 'seq', 5)),
    (jsonb_build_object('chain_id', %L::uuid, 'seq', 3))$$, :'chain_a', :'chain_b'),
  '[TAM-003] the exported digest lists every chain''s head');
select is(
  (select c ->> 'hash' from jsonb_array_elements((:'digest'::jsonb) -> 'chains') c
   where c ->> 'chain_id' = :'chain_a'),
  (select encode(hash, 'hex') from audit.events where chain_id = :'chain_a' and seq = 5),
  '[TAM-004] a digest entry is the hash of the chain''s last event');
select is(t13.summary(:'digest'::jsonb), 'Org A:true:-:- | Org B:true:-:-',
  '[TAM-005] the trail verifies against its own fresh digest');

-- 1. An altered event ------------------------------------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$update audit.events set details = '{"responses": 99}'
  where chain_id = %1$L and seq = 3$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:3:event content does not match its hash (altered) | Org B:true:-:-',
  '[TAM-006] an altered event is caught at its own sequence number; chain B is unaffected');

-- 2. A removed event (middle) ----------------------------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$delete from audit.events
  where chain_id = %1$L and seq = 3$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:3:event missing at this sequence number (removed) | Org B:true:-:-',
  '[TAM-007] a removed event is caught at the missing sequence number');

-- 3. The first event removed -----------------------------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$delete from audit.events
  where chain_id = %1$L and seq = 1$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:1:event missing at this sequence number (removed) | Org B:true:-:-',
  '[TAM-008] removing the first event is caught at seq 1');

-- 4. The last two events removed, head left alone ---------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$delete from audit.events
  where chain_id = %1$L and seq >= 4$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:4:the chain head does not match the last event | Org B:true:-:-',
  '[TAM-009] removing the newest events is caught by the chain head, at the first missing one');

-- 5. An event inserted in the middle, correctly hashed, later events renumbered -----------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$
  update audit.events set seq = seq + 1000
    where chain_id = %1$L and seq >= 3;
  update audit.events set seq = seq - 999
    where chain_id = %1$L and seq > 1000;
$$, :'chain_a', :'chain_b'));
select tests.as_audit_owner_without_triggers(tests.forged_link_sql(:'chain_a', 3));
select tests.as_audit_owner_without_triggers(format(
  $$update audit.chain_heads set seq = 6 where chain_id = %1$L$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:4:event content does not match its hash (altered) | Org B:true:-:-',
  '[TAM-010] a forged event slipped in at seq 3 is caught at seq 4, the first event it displaced');

-- 6. An event appended without record_event (valid link, head not moved) ---------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(tests.forged_link_sql(:'chain_a', 6));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:6:the chain head does not match the last event | Org B:true:-:-',
  '[TAM-011] an event appended behind record_event''s back is caught at its sequence number');

-- 7. Two events reordered ----------------------------------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$
  update audit.events set seq = 1002 where chain_id = %1$L and seq = 2;
  update audit.events set seq = 2 where chain_id = %1$L and seq = 3;
  update audit.events set seq = 3 where chain_id = %1$L and seq = 1002;
$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:2:event content does not match its hash (altered) | Org B:true:-:-',
  '[TAM-012] two swapped events are caught at the first of them');

-- 8. Chain head moved forward without an event (the forward-only trigger allows +1) -----------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$update audit.chain_heads set seq = seq + 1, hash = sha256('x'::bytea)
  where chain_id = %1$L$$, :'chain_a', :'chain_b'));
select t13.summary() as result \gset
rollback to savepoint tamper;
select is(:'result'::text,
  'Org A:false:6:the chain head does not match the last event | Org B:true:-:-',
  '[TAM-013] a chain head moved without its event is caught');

-- 9. The whole chain rewritten consistently ----------------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$
  do $d$
  declare
    e audit.events;
    v_prev bytea;
  begin
    update audit.events set target_id = 'rewritten'
      where chain_id = %1$L and seq = 2;
    for e in select * from audit.events
             where chain_id = %1$L order by seq loop
      e.prev_hash := coalesce(v_prev, e.prev_hash);
      e.hash := audit.event_hash(e.prev_hash, e.chain_id, e.seq, e.occurred_at, e.action,
        e.actor_kind, e.actor_id, e.actor_job, e.org_id, e.target_table, e.target_id, e.reason,
        e.request_id, e.details);
      update audit.events set prev_hash = e.prev_hash, hash = e.hash
        where chain_id = e.chain_id and seq = e.seq;
      v_prev := e.hash;
    end loop;
    update audit.chain_heads set hash = v_prev
      where chain_id = %1$L;
  end;
  $d$;
$$, :'chain_a', :'chain_b'));
select t13.summary() as self_check, t13.summary(:'digest'::jsonb) as digest_check \gset
select (select target_id from audit.events
        where chain_id = :'chain_a' and seq = 2) as rewritten_target \gset
rollback to savepoint tamper;
select is(:'rewritten_target'::text, 'rewritten', '[TAM-014] (the rewrite really happened)');
select is(:'self_check'::text, 'Org A:true:-:- | Org B:true:-:-',
  '[TAM-015] a consistently rewritten chain passes self-verification (why the digest exists)');
select is(:'digest_check'::text,
  'Org A:false:5:the exported head no longer matches (chain rewritten) | Org B:true:-:-',
  '[TAM-016] but it is caught against the digest exported before the rewrite');

-- 10. The newest events removed and the head moved back consistently ----------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$
  delete from audit.events where chain_id = %1$L and seq >= 4;
  update audit.chain_heads h set seq = 3, hash = e.hash
    from audit.events e where e.chain_id = h.chain_id and e.seq = 3
    and h.chain_id = %1$L;
$$, :'chain_a', :'chain_b'));
select t13.summary() as self_check, t13.summary(:'digest'::jsonb) as digest_check \gset
rollback to savepoint tamper;
select is(:'self_check'::text, 'Org A:true:-:- | Org B:true:-:-',
  '[TAM-017] a consistently truncated chain passes self-verification');
select is(:'digest_check'::text,
  'Org A:false:4:the exported head is gone (events removed or chain truncated) | Org B:true:-:-',
  '[TAM-018] but the digest catches it, at the first missing event');

-- 11. A whole chain deleted, head included --------------------------------------------------------------
savepoint tamper;
select tests.as_audit_owner_without_triggers(format($$
  delete from audit.events where chain_id = %2$L;
  delete from audit.chain_heads where chain_id = %2$L;
$$, :'chain_a', :'chain_b'));
select t13.summary() as self_check, t13.summary(:'digest'::jsonb) as digest_check \gset
rollback to savepoint tamper;
select is(:'self_check'::text, 'Org A:true:-:-',
  '[TAM-019] an organisation''s whole chain erased leaves no trace by itself');
select is(:'digest_check'::text,
  'Org A:true:-:- | Org B:false:1:the exported head is gone (events removed or chain truncated)',
  '[TAM-020] the digest still names the vanished chain');

-- Untampered again, and events added after the digest are fine ----------------------------------------
select is(t13.summary(:'digest'::jsonb), 'Org A:true:-:- | Org B:true:-:-',
  '[TAM-021] after every rollback the trail verifies again');
select audit.record_event('survey.restored', tests.org_id('Org A'), 'public.surveys',
  'a-1', 'user_request', '{}', p_actor_id => tests.user_id('owner_a')) is not null as added;
select is(t13.summary(:'digest'::jsonb), 'Org A:true:-:- | Org B:true:-:-',
  '[TAM-022] events appended after an export still verify against the older digest');

select * from finish();
rollback;
