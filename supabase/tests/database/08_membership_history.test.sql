-- 08 Membership history: who was a member of which organisation, with which role, at time T,
-- across a join, a role change, a removal by an admin, a member leaving, and an account's
-- erasure (audit.membership_events, appended by triggers on public.memberships). Append-only
-- for every role. Times are marked (tests.mark_time, the real clock) between the steps.
begin;
select plan(24);
select tests.create_user('ada');
select tests.create_org('ada', 'Acme');
select tests.create_user('mo');
select tests.create_user('lu');
select tests.create_user('eve');
select tests.mark_time('before');
select tests.add_member('Acme', 'mo', 'member');
select tests.add_member('Acme', 'lu', 'member');
select tests.add_member('Acme', 'eve', 'admin');
select tests.mark_time('joined');
update public.memberships set role = 'admin'
where org_id = tests.org_id('Acme') and user_id = tests.user_id('mo');
select tests.mark_time('promoted');
-- Ada (owner) removes Mo; Lu leaves of her own accord; Eve's account is erased.
select tests.authenticate_as('ada');
delete from public.memberships where org_id = tests.org_id('Acme') and user_id = tests.user_id('mo');
select tests.clear_authentication(), tests.authenticate_as('lu');
delete from public.memberships where org_id = tests.org_id('Acme') and user_id = tests.user_id('lu');
select tests.clear_authentication();
select tests.mark_time('removed');
select tests.remember_id('eve', tests.user_id('eve'));
delete from auth.users where id = tests.user_id('eve');
select tests.mark_time('erased');

select results_eq(
  $$select user_id, role from audit.org_members_at(tests.org_id('Acme'), tests.marked_time('before'))$$,
  $$values (tests.user_id('ada'), 'owner'::text)$$,
  '[MEM-001] before the joins: the owner alone');
select set_eq(
  $$select user_id, role from audit.org_members_at(tests.org_id('Acme'), tests.marked_time('joined'))$$,
  $$values (tests.user_id('ada'), 'owner'::text),
    (tests.user_id('mo'), 'member'), (tests.user_id('lu'), 'member'),
    (tests.remembered_id('eve'), 'admin')$$,
  '[MEM-002] after the joins: each with the role they joined with');
select set_eq(
  $$select user_id, role from audit.org_members_at(tests.org_id('Acme'), tests.marked_time('promoted'))
    where user_id = tests.user_id('mo')$$,
  $$values (tests.user_id('mo'), 'admin'::text)$$,
  '[MEM-003] after the role change: Mo is an admin');
select set_eq(
  $$select user_id from audit.org_members_at(tests.org_id('Acme'), tests.marked_time('removed'))$$,
  $$values (tests.user_id('ada')), (tests.remembered_id('eve'))$$,
  '[MEM-004] after the removal and the departure: Mo and Lu are gone');
select set_eq(
  $$select user_id from audit.org_members_at(tests.org_id('Acme'), tests.marked_time('erased'))$$,
  $$values (tests.user_id('ada'))$$,
  '[MEM-005] after the erasure: Eve is gone too');
select results_eq(
  $$select org_id, role from audit.user_orgs_at(tests.user_id('mo'), tests.marked_time('joined'))$$,
  $$values (tests.org_id('Acme'), 'member'::text)$$,
  '[MEM-006] Mo''s organisations while a member');
select results_eq(
  $$select org_id, role from audit.user_orgs_at(tests.user_id('mo'), tests.marked_time('promoted'))$$,
  $$values (tests.org_id('Acme'), 'admin'::text)$$,
  '[MEM-007] ... and once promoted');
select is_empty(
  $$select * from audit.user_orgs_at(tests.user_id('mo'), tests.marked_time('removed'))$$,
  '[MEM-008] ... and none after the removal');
select results_eq(
  $$select org_id, role
    from audit.user_orgs_at(tests.remembered_id('eve'), tests.marked_time('removed'))$$,
  $$values (tests.org_id('Acme'), 'admin'::text)$$,
  '[MEM-009] an erased user''s past memberships still answer by their id');
select results_eq(
  $$select user_id, event, role::text, reason from audit.membership_events
    where org_id = tests.org_id('Acme') and event = 'removed' order by id$$,
  $$values (tests.user_id('mo'), 'removed', null::text, 'member_removed'),
    (tests.user_id('lu'), 'removed', null, 'member_left'),
    (tests.remembered_id('eve'), 'removed', null, 'auth_user_deleted')$$,
  '[MEM-010] each removal says why: removed by an admin, left, deleted with the auth user');

-- Append-only for every role the application or ops use.
select throws_ok(
  $$update audit.membership_events set role = 'owner'$$, '42501',
  'permission denied for table membership_events',
  '[MEM-011] postgres cannot rewrite the history (it may only read it; the owner''s own triggers refuse too)');
select throws_ok($$delete from audit.membership_events$$, '42501', null,
  '[MEM-012] postgres cannot delete from it');
select throws_ok($$truncate audit.membership_events$$, '42501', null,
  '[MEM-013] postgres cannot truncate it');
-- The history's owner: tests.as_audit_owner(sql) runs a statement as cluso_audit_owner and returns
-- the rows it touched.
select is(tests.as_audit_owner('update audit.membership_events set role = ''owner'''), 0::bigint,
  '[MEM-015] even its owner updates nothing (RLS is forced and grants it no update)');
select is(tests.as_audit_owner('delete from audit.membership_events'), 0::bigint,
  '[MEM-016] ... and deletes nothing');
select throws_ok($$select tests.as_audit_owner('truncate audit.membership_events')$$, '42501',
  'the audit trail is append-only: TRUNCATE on audit.membership_events is not allowed',
  '[MEM-017] ... and its truncate is refused by the history''s trigger');
select tests.authenticate_as('ada');
select throws_ok($$select * from audit.membership_events$$, '42501', null,
  '[MEM-014] clients cannot read it');
select tests.clear_authentication();

-- An invitation leaves with the owner who sent it (20261210000400) ------------------------------
select tests.create_user(u) from unnest(array['ola', 'oskar', 'alt', 'alt2', 'kept']) u;
select tests.create_org('ola', 'Inviters');
select tests.add_member('Inviters', 'oskar', 'owner');
select tests.authenticate_as('oskar');
insert into public.invitations (org_id, user_id, role)
values (tests.org_id('Inviters'), tests.user_id('alt'), 'admin'),
  (tests.org_id('Inviters'), tests.user_id('alt2'), 'member');
select tests.clear_authentication(), tests.authenticate_as('ola');
insert into public.invitations (org_id, user_id, role)
values (tests.org_id('Inviters'), tests.user_id('kept'), 'member');
-- Ola demotes Oskar, then removes him.
update public.memberships set role = 'admin'
where org_id = tests.org_id('Inviters') and user_id = tests.user_id('oskar');
select tests.clear_authentication();
select is(
  (select array_agg(i.user_id) from public.invitations i
   where i.org_id = tests.org_id('Inviters')),
  array[tests.user_id('kept')],
  '[MEM-018] an owner demoted to admin: the invitations they sent are withdrawn, the other owner''s kept');
select results_eq(
  $$select reason, count(*)::int from audit.events
    where action = 'invitation.removed' and org_id = tests.org_id('Inviters') group by 1$$,
  $$values ('inviter_removed'::text, 2)$$,
  '[MEM-019] each withdrawal is audited as invitation.removed, for its inviter''s leaving');
select tests.authenticate_as('alt');
select throws_ok(format('select public.accept_invitation(%L)', tests.org_id('Inviters')), 'P0002',
  null, '[MEM-020] the account the former owner invited cannot get in');
select tests.clear_authentication();
-- Ola leaves her own invitations behind when she is removed (Oskar owns again first).
update public.memberships set role = 'owner'
where org_id = tests.org_id('Inviters') and user_id = tests.user_id('oskar');
delete from public.memberships
where org_id = tests.org_id('Inviters') and user_id = tests.user_id('ola');
select is_empty(
  $$select 1 from public.invitations where org_id = tests.org_id('Inviters')$$,
  '[MEM-021] a removed owner''s invitations go with them');

-- An owner's account goes, by erasure or the platform's way: what they sent goes first.
select tests.create_user(u) from unnest(array['pia', 'quin', 'rex', 'sal', 'uma']) u;
select tests.create_org('pia', 'Erased inviter');
select tests.add_member('Erased inviter', 'quin', 'owner');
select tests.add_member('Erased inviter', 'sal', 'owner');
select tests.authenticate_as('pia');
insert into public.invitations (org_id, user_id, role)
values (tests.org_id('Erased inviter'), tests.user_id('rex'), 'admin');
select tests.clear_authentication(), tests.authenticate_as('sal');
insert into public.invitations (org_id, user_id, role)
values (tests.org_id('Erased inviter'), tests.user_id('uma'), 'admin');
select tests.clear_authentication();
select tests.clear_account_erasure_queue();
select tests.request_account_erasure('pia');
select count(*) from tests.run_account_erasure('pia');
select is_empty(
  $$select 1 from public.invitations where org_id = tests.org_id('Erased inviter')
      and user_id = tests.user_id('rex')$$,
  '[MEM-022] an erased owner''s invitations are withdrawn, not left without an inviter');
delete from auth.users where id = tests.user_id('sal');
select is_empty(
  $$select 1 from public.invitations where org_id = tests.org_id('Erased inviter')$$,
  '[MEM-023] so are those of an owner the platform deletes');
select results_eq(
  $$select reason, count(*)::int from audit.events
    where action = 'invitation.removed' and org_id = tests.org_id('Erased inviter') group by 1$$,
  $$values ('inviter_removed'::text, 2)$$,
  '[MEM-024] both are audited for their inviter''s leaving, not as a cascade');

select * from finish();
rollback;
