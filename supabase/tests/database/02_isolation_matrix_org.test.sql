-- 02 Isolation matrix, organisation group: profiles, organizations, memberships, the
-- create_organization RPC, last-owner protection and removal. Every cell runs one statement as
-- one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(115);
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

-- memberships: members read their org's; only owners add, change and remove; anyone may leave.
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
select is(tests.attempt('member_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-058] memberships insert (owner_b as owner of A) as member_a: refused');
select is(tests.attempt('admin_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-059] memberships insert (owner_b as owner of A) as admin_a: refused');
select is(tests.attempt('removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-060] memberships insert (owner_b as owner of A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-061] memberships insert (owner_b as owner of A) as owner_b: refused');
select is(tests.attempt('removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {removed_a}, 'member')$$),
  '42501: new row violates row-level security policy for table "memberships"',
  '[ISO-1-062] memberships insert: a removed member cannot re-add themselves');
select is(tests.attempt('owner_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {fresh}, 'member')$$),
  '1 rows',
  '[ISO-1-063] memberships insert as owner_a: adds a member (control)');
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
  '[ISO-1-069] memberships update as owner_a: changes a role (control)');
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
  '[ISO-1-077] memberships delete as owner_a: removes a member (control)');

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
