-- 02 Isolation matrix, organisation group: profiles, organizations, memberships, invitations and
-- accept_invitation, the create_organization RPC, last-owner protection and removal. Every cell
-- runs one statement as one identity (anon; owner, admin, member, removed member of org A; owner
-- of org B; the invitee, a user of no org) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(197);
-- Fixtures: tests.isolation_fixture() (helpers.sql) creates them in this transaction: org A
-- (owner, admin, member, a removed member), org B (owner, member), org C (A's owner's second
-- org). tests.fx(key) gives their ids; tests.attempt(who, sql) runs one cell as one identity.
select tests.isolation_fixture();

-- profiles: own row, co-members' rows readable; only one's own row writable; no delete.
select is(tests.attempt('anon', $$select 1 from public.profiles where id = {owner_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-001] profiles select (A owner''s profile) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-002] profiles select (A owner''s profile) as member_a: affects/reads 1 rows');
select is(tests.attempt('admin_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-003] profiles select (A owner''s profile) as admin_a: affects/reads 1 rows');
select is(tests.attempt('owner_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-004] profiles select (A owner''s profile) as owner_a: affects/reads 1 rows');
select is(tests.attempt('removed_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '0 rows',
  '[ISO-1-005] profiles select (A owner''s profile) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.profiles where id = {owner_a}$$),
  '0 rows',
  '[ISO-1-006] profiles select (A owner''s profile) as owner_b: affects/reads 0 rows');
select is(tests.attempt('anon', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: permission denied for table profiles',
  '[ISO-1-007] profiles insert (forged id) as anon: refused');
select is(tests.attempt('member_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-008] profiles insert (forged id) as member_a: refused');
select is(tests.attempt('admin_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-009] profiles insert (forged id) as admin_a: refused');
select is(tests.attempt('owner_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-010] profiles insert (forged id) as owner_a: refused');
select is(tests.attempt('removed_a', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-011] profiles insert (forged id) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "profiles"',
  '[ISO-1-012] profiles insert (forged id) as owner_b: refused');
select is(tests.attempt('fresh', $$insert into public.profiles (id, display_name) values ({fresh}, 'Fresh')$$),
  '1 rows',
  '[ISO-1-013] profiles insert: a user creates their own profile (control)');
select is(tests.attempt('anon', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-014] profiles update (member''s profile) as anon: refused');
select is(tests.attempt('admin_a', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-015] profiles update (member''s profile) as admin_a: affects/reads 0 rows');
select is(tests.attempt('owner_a', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-016] profiles update (member''s profile) as owner_a: affects/reads 0 rows');
select is(tests.attempt('removed_a', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-017] profiles update (member''s profile) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$update public.profiles set display_name = 'pwned' where id = {member_a}$$),
  '0 rows',
  '[ISO-1-018] profiles update (member''s profile) as owner_b: affects/reads 0 rows');
select is(tests.attempt('member_a', $$update public.profiles set display_name = 'Member renamed' where id = {member_a}$$),
  '1 rows',
  '[ISO-1-019] profiles update: a user edits their own profile (control)');
-- Guard changed: id is outside the column-level UPDATE grant (display_name only), so the grant
-- refuses this before the RLS WITH CHECK that used to.
select is(tests.attempt('member_a', $$update public.profiles set id = {owner_b} where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-020] profiles update: a user cannot re-key their profile to another user');
select is(tests.attempt('anon', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-021] profiles delete as anon: refused');
select is(tests.attempt('member_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-022] profiles delete as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-023] profiles delete as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-024] profiles delete as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-025] profiles delete as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.profiles where id = {member_a}$$),
  '42501: permission denied for table profiles',
  '[ISO-1-026] profiles delete as owner_b: refused');

-- organizations: members read; only owners update; insert/delete only through RPCs.
select is(tests.attempt('anon', $$select 1 from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-027] organizations select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-028] organizations select (org A) as member_a: affects/reads 1 rows');
select is(tests.attempt('admin_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-029] organizations select (org A) as admin_a: affects/reads 1 rows');
select is(tests.attempt('owner_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-030] organizations select (org A) as owner_a: affects/reads 1 rows');
select is(tests.attempt('removed_a', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-031] organizations select (org A) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-032] organizations select (org A) as owner_b: affects/reads 0 rows');
select is(tests.attempt('anon', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-033] organizations insert as anon: refused');
select is(tests.attempt('member_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-034] organizations insert as member_a: refused');
select is(tests.attempt('admin_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-035] organizations insert as admin_a: refused');
select is(tests.attempt('owner_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-036] organizations insert as owner_a: refused');
select is(tests.attempt('removed_a', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-037] organizations insert as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.organizations (name) values ('pwned')$$),
  '42501: permission denied for table organizations',
  '[ISO-1-038] organizations insert as owner_b: refused');
select is(tests.attempt('anon', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-039] organizations update (org A) as anon: refused');
select is(tests.attempt('member_a', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-040] organizations update (org A) as member_a: affects/reads 0 rows');
select is(tests.attempt('admin_a', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-041] organizations update (org A) as admin_a: affects/reads 0 rows');
select is(tests.attempt('removed_a', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-042] organizations update (org A) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$update public.organizations set name = 'pwned' where id = {org_a}$$),
  '0 rows',
  '[ISO-1-043] organizations update (org A) as owner_b: affects/reads 0 rows');
select is(tests.attempt('owner_a', $$update public.organizations set name = 'Org A renamed' where id = {org_a}$$),
  '1 rows',
  '[ISO-1-044] organizations update as owner_a: renames their organisation (control)');
select is(tests.attempt('anon', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-045] organizations delete (org A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-046] organizations delete (org A) as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-047] organizations delete (org A) as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-048] organizations delete (org A) as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-049] organizations delete (org A) as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.organizations where id = {org_a}$$),
  '42501: permission denied for table organizations',
  '[ISO-1-050] organizations delete (org A) as owner_b: refused');

-- memberships: members read their org's; nobody inserts (owners invite, see below); only owners
-- change and remove; anyone may leave.
select is(tests.attempt('anon', $$select 1 from public.memberships where org_id = {org_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-051] memberships select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '3 rows',
  '[ISO-1-052] memberships select (org A) as member_a: affects/reads 3 rows');
select is(tests.attempt('admin_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '3 rows',
  '[ISO-1-053] memberships select (org A) as admin_a: affects/reads 3 rows');
select is(tests.attempt('owner_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '3 rows',
  '[ISO-1-054] memberships select (org A) as owner_a: affects/reads 3 rows');
select is(tests.attempt('removed_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-055] memberships select (org A) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-056] memberships select (org A) as owner_b: affects/reads 0 rows');
select is(tests.attempt('anon', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-057] memberships insert (owner_b as owner of A) as anon: refused');
-- Guard changed: clients hold no INSERT on memberships at all any more (a membership is the
-- creator's own or an accepted invitation, 20261127000650), so the grant refuses these before
-- the RLS WITH CHECK that used to.
select is(tests.attempt('member_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-058] memberships insert (owner_b as owner of A) as member_a: refused');
select is(tests.attempt('admin_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-059] memberships insert (owner_b as owner of A) as admin_a: refused');
select is(tests.attempt('removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-060] memberships insert (owner_b as owner of A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-061] memberships insert (owner_b as owner of A) as owner_b: refused');
select is(tests.attempt('removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {removed_a}, 'member')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-062] memberships insert: a removed member cannot re-add themselves');
-- The review's finding: an owner could add any user to their organisation without consent.
select is(tests.attempt('owner_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {fresh}, 'member')$$),
  '42501: permission denied for table memberships',
  '[ISO-1-116] memberships insert: not even an owner adds a user directly (no consent)');
-- The control that used to insert directly: the owner invites, the invitee accepts.
select is(tests.attempt('owner_a', $$insert into public.invitations (org_id, user_id) values ({org_a}, {fresh})$$),
  '1 rows',
  '[ISO-1-117] invitations insert as owner_a: invites fresh to A (control)');
select is(tests.attempt('fresh', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-118] an invitation alone is no membership: fresh reads none of A''s memberships');
select is(tests.attempt('fresh', $$select * from public.accept_invitation({org_a})$$),
  '1 rows',
  '[ISO-1-119] accept_invitation(A) as fresh: accepts');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.fx('org_a') and user_id = tests.fx('fresh')$$,
  $$values (tests.fx('fresh'), 'member')$$,
  '[ISO-1-063] memberships: owner_a adds a member by invitation, once accepted (control)');
select is(tests.attempt('anon', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-064] memberships update (promote member_a to owner) as anon: refused');
select is(tests.attempt('member_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-065] memberships update (promote member_a to owner) as member_a: affects/reads 0 rows');
select is(tests.attempt('admin_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-066] memberships update (promote member_a to owner) as admin_a: affects/reads 0 rows');
select is(tests.attempt('removed_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-067] memberships update (promote member_a to owner) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$),
  '0 rows',
  '[ISO-1-068] memberships update (promote member_a to owner) as owner_b: affects/reads 0 rows');
select is(tests.attempt('owner_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {fresh}$$),
  '1 rows',
  '[ISO-1-069] memberships update as owner_a: changes the accepted member''s role (control)');
-- Guard changed: org_id and user_id are outside the column-level UPDATE grant (role only), so
-- the grant refuses these before the org_id trigger (and the user_id trigger) can.
select is(tests.attempt('owner_a', $$update public.memberships set org_id = {org_c} where org_id = {org_a} and user_id = {fresh}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-070] memberships update: an owner of A and C cannot move a membership to C (org_id immutable)');
select is(tests.attempt('owner_b', $$update public.memberships set org_id = {org_a} where org_id = {org_b} and user_id = {member_b}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-071] memberships update: owner_b cannot move a B membership into A');
-- A membership is never moved to another user (that would remove one member and add another
-- with no removal event and no consent): refused by the column grant for every client role ...
select is(tests.attempt('owner_a', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {fresh}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-105] memberships update: owner_a cannot move a membership to another user (column grant)');
select is(tests.attempt('admin_a', $$update public.memberships set user_id = {fresh} where org_id = {org_a} and user_id = {admin_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-106] memberships update: admin_a cannot hand their own membership to another user (column grant)');
select is(tests.attempt('member_a', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {member_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-107] memberships update: member_a cannot hand their own membership to another user (column grant)');
select is(tests.attempt('owner_b', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {member_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-108] memberships update: owner_b cannot take over a membership of A (column grant)');
-- ... and by the trigger memberships_user_id_immutable for roles that hold UPDATE on every
-- column (service_role through the API, postgres in migrations and jobs).
select is(tests.attempt('service_role', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {member_a}$$),
  '42501: a membership cannot be moved to another user',
  '[ISO-1-109] memberships update: service_role cannot move a membership to another user (trigger)');
select throws_ok(
  format('update public.memberships set user_id = %L where org_id = %L and user_id = %L',
    tests.fx('owner_b'), tests.fx('org_a'), tests.fx('member_a')),
  '42501', 'a membership cannot be moved to another user',
  '[ISO-1-110] memberships update: not even postgres can move a membership to another user (trigger)');
select is(tests.attempt('anon', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-072] memberships delete (fresh from A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-073] memberships delete (fresh from A) as member_a: affects/reads 0 rows');
select is(tests.attempt('admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-074] memberships delete (fresh from A) as admin_a: affects/reads 0 rows');
select is(tests.attempt('removed_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-075] memberships delete (fresh from A) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '0 rows',
  '[ISO-1-076] memberships delete (fresh from A) as owner_b: affects/reads 0 rows');
select is(tests.attempt('owner_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$),
  '1 rows',
  '[ISO-1-077] memberships delete as owner_a: removes the accepted member (control)');

-- invitations: owners invite into their own organisations; the invitee sees, accepts or declines
-- their own invitation; nobody else sees or touches it. Until accepted, the invitee sees nothing
-- of the organisation and the organisation sees nothing of the invitee.
create function pg_temp.inv(p_who text, p_org text, p_user text, p_role text default 'member')
returns text language sql as $$
  select tests.attempt(p_who, format('insert into public.invitations (org_id, user_id, role) values ({%s}, {%s}, %L)',
    p_org, p_user, p_role))
$$;
create function pg_temp.no_inv(p_org text) returns text language sql as $$
  select format('P0002: there is no invitation to organisation %s for you', tests.fx(p_org))
$$;
-- What the audit trail holds about invitations to p_user (as postgres).
create function pg_temp.inv_audit(p_user text)
returns table (org_id uuid, actor_kind text, actor_id uuid, actor_job text, target_table text, reason text)
language sql as $$
  select e.org_id, e.actor_kind, e.actor_id, e.actor_job, e.target_table, e.reason
  from audit.events e
  where e.action = 'invitation.removed' and e.target_id = tests.fx(p_user)::text
  order by e.occurred_at, e.seq
$$;
-- Controls: owner_a invites the invitee and member_b (of B) to A.
select is(pg_temp.inv('owner_a', 'org_a', 'invitee'), '1 rows',
  '[ISO-1-120] invitations insert as owner_a: invites the invitee to A (control)');
select is(pg_temp.inv('owner_a', 'org_a', 'member_b'), '1 rows',
  '[ISO-1-121] invitations insert as owner_a: invites member_b of B to A (control)');
select results_eq(
  $$select invited_by, role::text from public.invitations
    where org_id = tests.fx('org_a') and user_id = tests.fx('invitee')$$,
  $$values (tests.fx('owner_a'), 'member')$$,
  '[ISO-1-122] invitations insert: invited_by defaults to the inviting owner, role to member');

-- select
select is(tests.attempt('anon', $$select 1 from public.invitations where org_id = {org_a}$$),
  '42501: permission denied for table invitations',
  '[ISO-1-123] invitations select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.invitations where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-124] invitations select (org A) as member_a: affects/reads 0 rows');
select is(tests.attempt('admin_a', $$select 1 from public.invitations where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-125] invitations select (org A) as admin_a: affects/reads 0 rows');
select is(tests.attempt('owner_a', $$select 1 from public.invitations where org_id = {org_a}$$),
  '2 rows',
  '[ISO-1-126] invitations select (org A) as owner_a: affects/reads 2 rows');
select is(tests.attempt('removed_a', $$select 1 from public.invitations where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-127] invitations select (org A) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.invitations where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-128] invitations select (org A) as owner_b: affects/reads 0 rows');
select is(tests.attempt('invitee', $$select 1 from public.invitations where org_id = {org_a} and user_id = {invitee}$$),
  '1 rows',
  '[ISO-1-129] invitations select as the invitee: reads their own invitation');
select is(tests.attempt('invitee', $$select 1 from public.invitations where org_id = {org_a}$$),
  '1 rows',
  '[ISO-1-130] invitations select as the invitee: not the other invitations to the same org');

-- insert (owner_b of B invited to A: each refused before any row lands)
select is(pg_temp.inv('anon', 'org_a', 'owner_b'),
  '42501: permission denied for table invitations',
  '[ISO-1-131] invitations insert (owner_b to A) as anon: refused');
select is(pg_temp.inv('member_a', 'org_a', 'owner_b'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-132] invitations insert (owner_b to A) as member_a: refused');
select is(pg_temp.inv('admin_a', 'org_a', 'owner_b'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-133] invitations insert (owner_b to A) as admin_a: refused');
select is(pg_temp.inv('removed_a', 'org_a', 'owner_b'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-134] invitations insert (owner_b to A) as removed_a: refused');
select is(pg_temp.inv('owner_b', 'org_a', 'owner_b'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-135] invitations insert: owner_b cannot invite themselves into A (forged org_id)');
select is(pg_temp.inv('owner_b', 'org_a', 'fresh'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-136] invitations insert: owner_b cannot invite anyone into A (forged org_id)');
select is(pg_temp.inv('invitee', 'org_a', 'owner_b'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-137] invitations insert (owner_b to A) as the invitee: refused');
select is(pg_temp.inv('removed_a', 'org_a', 'removed_a'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-138] invitations insert: a removed member cannot invite themselves back');
select is(pg_temp.inv('owner_a', 'org_a', 'owner_b', 'owner'),
  '23514: new row for relation "invitations" violates check constraint "invitations_role_check"',
  '[ISO-1-139] invitations insert: an owner cannot invite someone as owner (check)');
select is(pg_temp.inv('owner_a', 'org_a', 'member_a'),
  'PT409: this user is already a member of the organisation',
  '[ISO-1-140] invitations insert: an owner cannot invite an existing member');
select is(pg_temp.inv('owner_a', 'org_a', 'invitee'),
  '23505: duplicate key value violates unique constraint "invitations_pkey"',
  '[ISO-1-141] invitations insert: an owner cannot invite the same user twice');
select is(tests.attempt('owner_a', $$insert into public.invitations (org_id, user_id, invited_by) values ({org_a}, {owner_b}, {admin_a})$$),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-142] invitations insert: invited_by cannot be forged to another user');
select is(tests.attempt('owner_a', $$insert into public.invitations (org_id, user_id, invited_by) values ({org_a}, {owner_b}, null)$$),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-143] invitations insert: invited_by cannot be blanked');
-- Membership must not leak across tenants through the invitation path: a non-owner of A who
-- "invites" a member of A must get the same RLS refusal as for a non-member, not PT409 (the
-- member check is an AFTER trigger for this reason: BEFORE triggers run before RLS).
select is(pg_temp.inv('owner_b', 'org_a', 'member_a'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-144] invitations insert: owner_b learns nothing of A''s membership (RLS before the member check)');
select is(pg_temp.inv('invitee', 'org_a', 'admin_a'),
  '42501: new row violates row-level security policy for table "invitations"',
  '[ISO-1-145] invitations insert: a user of no org learns nothing of A''s membership (RLS before the member check)');

-- update (the invitee's role in A)
select is(tests.attempt('anon', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '42501: permission denied for table invitations',
  '[ISO-1-146] invitations update (role) as anon: refused');
select is(tests.attempt('member_a', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-147] invitations update (role) as member_a: affects/reads 0 rows');
select is(tests.attempt('admin_a', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-148] invitations update (role) as admin_a: affects/reads 0 rows');
select is(tests.attempt('removed_a', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-149] invitations update (role) as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-150] invitations update (role) as owner_b: affects/reads 0 rows');
select is(tests.attempt('invitee', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-151] invitations update: the invitee cannot change their own role');
select is(tests.attempt('owner_a', $$update public.invitations set role = 'owner' where org_id = {org_a} and user_id = {invitee}$$),
  '23514: new row for relation "invitations" violates check constraint "invitations_role_check"',
  '[ISO-1-152] invitations update: an owner cannot turn an invitation into an owner invitation (check)');
select is(tests.attempt('owner_a', $$update public.invitations set org_id = {org_c} where org_id = {org_a} and user_id = {invitee}$$),
  '42501: permission denied for table invitations',
  '[ISO-1-153] invitations update: an owner of A and C cannot move an invitation to C (column grant)');
select is(tests.attempt('owner_a', $$update public.invitations set user_id = {owner_b} where org_id = {org_a} and user_id = {invitee}$$),
  '42501: permission denied for table invitations',
  '[ISO-1-154] invitations update: an owner cannot readdress an invitation to another user (column grant)');
select is(tests.attempt('owner_a', $$update public.invitations set invited_by = {admin_a} where org_id = {org_a} and user_id = {invitee}$$),
  '42501: permission denied for table invitations',
  '[ISO-1-155] invitations update: invited_by cannot be rewritten (column grant)');
select is(tests.attempt('owner_a', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$),
  '1 rows',
  '[ISO-1-156] invitations update as owner_a: invites as admin instead (control)');

-- delete (the invitee's invitation to A; declining and withdrawing are below)
select is(tests.attempt('anon', $$delete from public.invitations where org_id = {org_a} and user_id = {invitee}$$),
  '42501: permission denied for table invitations',
  '[ISO-1-157] invitations delete as anon: refused');
select is(tests.attempt('member_a', $$delete from public.invitations where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-158] invitations delete as member_a: affects/reads 0 rows');
select is(tests.attempt('admin_a', $$delete from public.invitations where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-159] invitations delete as admin_a: affects/reads 0 rows');
select is(tests.attempt('removed_a', $$delete from public.invitations where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-160] invitations delete as removed_a: affects/reads 0 rows');
select is(tests.attempt('owner_b', $$delete from public.invitations where org_id = {org_a} and user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-161] invitations delete as owner_b: affects/reads 0 rows');
select is(tests.attempt('invitee', $$delete from public.invitations where org_id = {org_a} and user_id = {member_b}$$),
  '0 rows',
  '[ISO-1-162] invitations delete: the invitee cannot decline someone else''s invitation');

-- Before accepting, the invitee sees nothing of A, and A sees nothing of the invitee.
select is(tests.attempt('invitee', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-163] pending invitee: reads no organisation row of A');
select is(tests.attempt('invitee', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-164] pending invitee: reads none of A''s surveys');
select is(tests.attempt('invitee', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-165] pending invitee: reads none of A''s memberships');
select is(tests.attempt('invitee', $$select 1 from public.profiles where id in ({owner_a}, {admin_a}, {member_a})$$),
  '0 rows',
  '[ISO-1-166] pending invitee: reads no profile of A''s members (not even the inviter''s)');
select is(tests.attempt('owner_a', $$select 1 from public.profiles where id = {invitee}$$),
  '0 rows',
  '[ISO-1-167] pending invitee: the inviting owner cannot read their profile (the review''s cross-tenant read)');
select is(tests.attempt('owner_a', $$select 1 from public.memberships where user_id = {invitee}$$),
  '0 rows',
  '[ISO-1-168] pending invitee: the inviting owner sees no membership of theirs');

-- Withdrawing: the owner deletes member_b's invitation; audited with the owner as actor.
select is(tests.attempt('owner_a', $$delete from public.invitations where org_id = {org_a} and user_id = {member_b}$$),
  '1 rows',
  '[ISO-1-169] invitations delete as owner_a: withdraws member_b''s invitation (control)');
select results_eq(
  $$select * from pg_temp.inv_audit('member_b')$$,
  $$values (tests.fx('org_a'), 'user'::text, tests.fx('owner_a'), null::text, 'public.invitations'::text,
    'invitation_withdrawn'::text)$$,
  '[ISO-1-170] withdrawing is audited once, as invitation.removed by the owner, reason invitation_withdrawn');
select is(tests.attempt('member_b', $$select * from public.accept_invitation({org_a})$$),
  pg_temp.no_inv('org_a'),
  '[ISO-1-171] accept_invitation(A) as member_b after the withdrawal: refused');

-- Accepting.
select is(tests.attempt('anon', $$select * from public.accept_invitation({org_a})$$),
  '42501: permission denied for function accept_invitation',
  '[ISO-1-172] accept_invitation(A) as anon: refused');
select is(tests.attempt('member_a', $$select * from public.accept_invitation({org_a})$$),
  pg_temp.no_inv('org_a'),
  '[ISO-1-173] accept_invitation(A) as member_a (not invited): refused');
select is(tests.attempt('owner_a', $$select * from public.accept_invitation({org_a})$$),
  pg_temp.no_inv('org_a'),
  '[ISO-1-174] accept_invitation(A) as owner_a (the inviter): refused');
select is(tests.attempt('removed_a', $$select * from public.accept_invitation({org_a})$$),
  pg_temp.no_inv('org_a'),
  '[ISO-1-175] accept_invitation(A) as removed_a (not invited): refused');
select is(tests.attempt('owner_b', $$select * from public.accept_invitation({org_a})$$),
  pg_temp.no_inv('org_a'),
  '[ISO-1-176] accept_invitation(A) as owner_b (not invited): refused');
select is(tests.attempt('invitee', $$select * from public.accept_invitation({org_b})$$),
  pg_temp.no_inv('org_b'),
  '[ISO-1-177] accept_invitation(B) as the invitee (invited to A only): refused');
select is(tests.attempt('invitee', $$select user_id, org_id, role from public.accept_invitation({org_a}) where role = 'admin'$$),
  '1 rows',
  '[ISO-1-178] accept_invitation(A) as the invitee: accepts, returning their new admin membership');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.fx('org_a') and user_id = tests.fx('invitee')$$,
  $$values (tests.fx('invitee'), 'admin')$$,
  '[ISO-1-179] accept_invitation: the membership exists, with the invited role');
select is((select count(*)::int from public.invitations where user_id = tests.fx('invitee')), 0,
  '[ISO-1-180] accept_invitation: the invitation is gone');
select is_empty($$select * from pg_temp.inv_audit('invitee')$$,
  '[ISO-1-181] accept_invitation: an accepted invitation is not audited as removed');
select is(tests.attempt('invitee', $$select * from public.accept_invitation({org_a})$$),
  pg_temp.no_inv('org_a'),
  '[ISO-1-182] accept_invitation(A) twice: refused');
select is(tests.attempt('invitee', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-1-183] accepted: the invitee reads A''s live surveys');
select is(tests.attempt('invitee', $$select 1 from public.profiles where id = {owner_a}$$),
  '1 rows',
  '[ISO-1-184] accepted: the invitee reads the owner''s profile');
select is(tests.attempt('owner_a', $$select 1 from public.profiles where id = {invitee}$$),
  '1 rows',
  '[ISO-1-185] accepted: the owner reads the new member''s profile');
select is(tests.attempt('owner_a', $$insert into public.invitations (org_id, user_id) values ({org_a}, {invitee})$$),
  'PT409: this user is already a member of the organisation',
  '[ISO-1-186] accepted: the new member cannot be invited again');

-- Declining: owner_a invites the invitee to C; the invitee deletes the invitation.
select is(pg_temp.inv('owner_a', 'org_c', 'invitee'), '1 rows',
  '[ISO-1-187] invitations insert as owner_a: invites the invitee to C (control)');
select is(tests.attempt('invitee', $$delete from public.invitations where org_id = {org_c} and user_id = {invitee}$$),
  '1 rows',
  '[ISO-1-188] invitations delete as the invitee: declines the invitation to C');
select results_eq(
  $$select * from pg_temp.inv_audit('invitee')$$,
  $$values (tests.fx('org_c'), 'user'::text, tests.fx('invitee'), null::text, 'public.invitations'::text,
    'invitation_declined'::text)$$,
  '[ISO-1-189] declining is audited once, as invitation.removed by the invitee, reason invitation_declined');
select is(tests.attempt('invitee', $$select * from public.accept_invitation({org_c})$$),
  pg_temp.no_inv('org_c'),
  '[ISO-1-190] accept_invitation(C) after declining: refused');
select is((select count(*)::int from public.memberships where org_id = tests.fx('org_c') and user_id = tests.fx('invitee')), 0,
  '[ISO-1-191] declining: no membership of C');

-- Deleting the organisation takes its invitations with it, audited as organization_deleted.
select tests.create_org(tests.fx('owner_b'), 'Org I');
create function pg_temp.org_i() returns uuid language sql as $$
  select id from public.organizations where name = 'Org I'
$$;
select is(tests.attempt('owner_b', format('insert into public.invitations (org_id, user_id) values (%L, {fresh})', pg_temp.org_i())),
  '1 rows',
  '[ISO-1-192] invitations insert as owner_b: invites fresh to a new org I (control)');
select is(tests.attempt('owner_b', format('select public.delete_organization(%L)', pg_temp.org_i())),
  '1 rows',
  '[ISO-1-193] delete_organization(I) as its owner: deletes it');
select is((select count(*)::int from public.invitations where user_id = tests.fx('fresh')), 0,
  '[ISO-1-194] delete_organization: the pending invitation went with the organisation');
select results_eq(
  $$select reason, actor_id from pg_temp.inv_audit('fresh')$$,
  $$values ('organization_deleted'::text, tests.fx('owner_b'))$$,
  '[ISO-1-195] delete_organization: the cascaded invitation is audited once, reason organization_deleted');

-- Erasing an invited account takes its invitations with it, audited as account_erasure (as
-- postgres: the erasure job deletes the auth user; a throwaway user, invited by owner_b to B).
select tests.create_user('10000000-0000-4000-8000-00000000e0ff', 'erased-invitee@example.test');
insert into public.invitations (org_id, user_id, invited_by)
values (tests.fx('org_b'), '10000000-0000-4000-8000-00000000e0ff', tests.fx('owner_b'));
delete from auth.users where id = '10000000-0000-4000-8000-00000000e0ff';
select results_eq(
  $$select e.org_id, e.actor_kind, e.actor_id, e.actor_job, e.reason from audit.events e
    where e.action = 'invitation.removed' and e.target_id = '10000000-0000-4000-8000-00000000e0ff'$$,
  $$values (tests.fx('org_b'), 'system'::text, null::uuid, 'database'::text, 'account_erasure'::text)$$,
  '[ISO-1-197] account erasure: the invitee''s pending invitation is audited once, reason account_erasure, by the database');

-- The invitee leaves A again, so that what follows sees A as the fixture made it.
select is(tests.attempt('invitee', $$delete from public.memberships where org_id = {org_a} and user_id = {invitee}$$),
  '1 rows',
  '[ISO-1-196] memberships delete: the accepted member may leave A');

-- The RPC that creates organisations.
select is(tests.attempt('anon', $$select * from public.create_organization('pwned')$$),
  '42501: permission denied for function create_organization',
  '[ISO-1-078] create_organization as anon: refused');
select is(tests.attempt('fresh', $$select * from public.create_organization('Fresh Org')$$),
  '1 rows',
  '[ISO-1-079] create_organization as a signed-in user: creates one organisation');
select results_eq(
  $$select m.user_id, m.role::text, o.created_by from public.organizations o
    join public.memberships m on m.org_id = o.id where o.name = 'Fresh Org'$$,
  $$select tests.fx('fresh'), 'owner', tests.fx('fresh')$$,
  '[ISO-1-080] create_organization: the caller is the sole member, as owner, and the creator');
select is(tests.attempt('fresh', $$select 1 from public.organizations where name in ('Org A renamed', 'Org B', 'Org C')$$),
  '0 rows',
  '[ISO-1-081] create_organization: the new owner sees no other organisation');

-- The RPC that deletes organisations (owners only; another org's id is 'not found').
create function pg_temp.org_nf(p_key text) returns text language sql as $$ select format('P0002: organisation %s not found', tests.fx(p_key)) $$;
select is(tests.attempt('anon', $$select public.delete_organization({org_a})$$),
  '42501: permission denied for function delete_organization',
  '[ISO-1-082] delete_organization(A) as anon: refused');
select is(tests.attempt('member_a', $$select public.delete_organization({org_a})$$),
  '42501: only owners can delete an organisation',
  '[ISO-1-083] delete_organization(A) as member_a: refused');
select is(tests.attempt('admin_a', $$select public.delete_organization({org_a})$$),
  '42501: only owners can delete an organisation',
  '[ISO-1-084] delete_organization(A) as admin_a: refused');
select is(tests.attempt('removed_a', $$select public.delete_organization({org_a})$$),
  pg_temp.org_nf('org_a'),
  '[ISO-1-085] delete_organization(A) as removed_a: refused');
select is(tests.attempt('owner_b', $$select public.delete_organization({org_a})$$),
  pg_temp.org_nf('org_a'),
  '[ISO-1-086] delete_organization(A) as owner_b: refused');
select is((select count(*)::int from public.organizations where id = tests.fx('org_a')), 1,
  '[ISO-1-087] delete_organization: org A still exists after the refused attempts');

-- The last owner stays.
select is(tests.attempt('owner_a', $$delete from public.memberships where org_id = {org_a} and user_id = {owner_a}$$),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  '[ISO-1-088] last owner: owner_a cannot leave A');
select is(tests.attempt('owner_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {owner_a}$$),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  '[ISO-1-089] last owner: owner_a cannot demote themselves');
select is(tests.attempt('owner_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {admin_a}$$),
  '1 rows',
  '[ISO-1-090] last owner: owner_a makes admin_a a second owner');
select is(tests.attempt('admin_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {owner_a}$$),
  '1 rows',
  '[ISO-1-091] last owner: with two owners, one may demote the other');
select is(tests.attempt('admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {admin_a}$$),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  '[ISO-1-092] last owner: the new sole owner cannot leave either');
-- ... nor escape by handing their owner row to someone else (the bypass of the last-owner rule
-- and of the removal audit that the user_id trigger closes).
select is(tests.attempt('admin_a', $$update public.memberships set user_id = {member_a} where org_id = {org_a} and user_id = {admin_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-111] last owner: the sole owner cannot swap their owner row to another user (column grant)');
select is(tests.attempt('admin_a', $$update public.memberships set user_id = {fresh} where org_id = {org_a} and user_id = {admin_a}$$),
  '42501: permission denied for table memberships',
  '[ISO-1-112] last owner: ... not even to a user who is not yet a member (column grant)');
select throws_ok(
  format('update public.memberships set user_id = %L where org_id = %L and user_id = %L',
    tests.fx('fresh'), tests.fx('org_a'), tests.fx('admin_a')),
  '42501', 'a membership cannot be moved to another user',
  '[ISO-1-113] last owner: the swap is refused by the trigger too, even as postgres');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.fx('org_a') and role = 'owner'$$,
  $$values (tests.fx('admin_a'), 'owner')$$,
  '[ISO-1-114] last owner: A''s sole owner row still belongs to admin_a after the swap attempts');

-- A removed member loses access at once (same transaction, no new token).
select is(tests.attempt('member_a', $$select 1 from public.organizations where id = {org_a}$$),
  '1 rows',
  '[ISO-1-093] removal: member_a reads org A before removal');
select is(tests.attempt('admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {member_a}$$),
  '1 rows',
  '[ISO-1-094] removal: the owner removes member_a');
select is(tests.attempt('member_a', $$select 1 from public.organizations where id = {org_a}$$),
  '0 rows',
  '[ISO-1-095] removal: member_a no longer reads org A');
select is(tests.attempt('member_a', $$select 1 from public.memberships where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-096] removal: member_a no longer reads A''s memberships');
select is(tests.attempt('member_a', $$select 1 from public.profiles where id = {owner_a}$$),
  '0 rows',
  '[ISO-1-097] removal: member_a no longer reads former co-members'' profiles');
select is(tests.attempt('member_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-1-098] removal: member_a no longer reads A''s surveys');

-- As postgres: nothing forbidden got through.
select is((select count(*)::int from public.profiles where display_name = 'pwned'), 0,
  '[ISO-1-099] no forbidden profile write landed');
select is((select count(*)::int from public.organizations where name = 'pwned'), 0,
  '[ISO-1-100] no forbidden organisation write landed');
select results_eq(
  $$select name from public.organizations where id in (tests.fx('org_a'), tests.fx('org_b')) order by name$$,
  $$values ('Org A renamed'::text), ('Org B'::text)$$,
  '[ISO-1-101] only the owner''s rename of A happened; B is untouched');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.fx('org_b') order by 2, 1$$,
  $$values (tests.fx('member_b'), 'member'), (tests.fx('owner_b'), 'owner')$$,
  '[ISO-1-102] org B''s memberships are untouched');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.fx('org_a') order by 2, 1$$,
  $$values (tests.fx('owner_a'), 'admin'), (tests.fx('admin_a'), 'owner')$$,
  '[ISO-1-103] org A holds exactly the memberships its owners left it with');
select is((select display_name from public.profiles where id = tests.fx('member_a')), 'Member renamed',
  '[ISO-1-104] profile edits landed only on the editor''s own row');
select results_eq(
  $$select org_id, role::text from public.memberships where user_id in (tests.fx('owner_b'), tests.fx('member_b')) order by 2$$,
  $$values (tests.fx('org_b'), 'member'), (tests.fx('org_b'), 'owner')$$,
  '[ISO-1-115] owner_b and member_b hold only their own memberships of B (no row of A was moved to them)');

select * from finish();
rollback;
