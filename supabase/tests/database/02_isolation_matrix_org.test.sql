-- 02 Isolation matrix, organisation group: profiles, organizations, memberships, invitations and
-- accept_invitation, the create_organization and delete_organization RPCs, last-owner
-- protection and removal. Each cell runs one statement as one identity (anon; owner, admin,
-- member, removed member of org A; owner and member of org B; the invitee, a user of no org;
-- fresh, a user with no profile) and asserts its exact outcome: 'N rows' read or affected, or
-- 'SQLSTATE: message'. Cells run in the order written: later cells see earlier cells' writes.
-- The fixture, {key} templates and tests.check_cells(): supabase/tests/helpers/20_isolation.sql.
begin;
select plan(198);
select tests.isolation_fixture();

-- profiles · select owner_a's profile: A's members read it; nobody else does
select tests.check_cells('profiles select (A owner''s profile)',
  $$select 1 from public.profiles where id = {owner_a}$$, array[
    ('ISO-1-001', 'anon',      '42501: permission denied for table profiles'),
    ('ISO-1-002', 'member_a',  '1 rows'),
    ('ISO-1-003', 'admin_a',   '1 rows'),
    ('ISO-1-004', 'owner_a',   '1 rows'),
    ('ISO-1-005', 'removed_a', '0 rows'),
    ('ISO-1-006', 'owner_b',   '0 rows')]::tests.outcome[]);

-- profiles · insert: a profile under another user's id is refused; one's own is created
select tests.check_cells('profiles insert (forged id)',
  $$insert into public.profiles (id, display_name) values ({fresh}, 'pwned')$$, array[
    ('ISO-1-007', 'anon',      '42501: permission denied for table profiles'),
    ('ISO-1-008', 'member_a',  '42501: new row violates row-level security policy for table "profiles"'),
    ('ISO-1-009', 'admin_a',   '42501: new row violates row-level security policy for table "profiles"'),
    ('ISO-1-010', 'owner_a',   '42501: new row violates row-level security policy for table "profiles"'),
    ('ISO-1-011', 'removed_a', '42501: new row violates row-level security policy for table "profiles"'),
    ('ISO-1-012', 'owner_b',   '42501: new row violates row-level security policy for table "profiles"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-013', 'fresh', $$insert into public.profiles (id, display_name) values ({fresh}, 'Fresh')$$,
    '1 rows', 'profiles insert: a user creates their own profile (control)')]::tests.cell[]);

-- profiles · update: only one's own row, and only display_name (the column-level UPDATE grant)
select tests.check_cells('profiles update (member''s profile)',
  $$update public.profiles set display_name = 'pwned' where id = {member_a}$$, array[
    ('ISO-1-014', 'anon',      '42501: permission denied for table profiles'),
    ('ISO-1-015', 'admin_a',   '0 rows'),
    ('ISO-1-016', 'owner_a',   '0 rows'),
    ('ISO-1-017', 'removed_a', '0 rows'),
    ('ISO-1-018', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-019', 'member_a', $$update public.profiles set display_name = 'Member renamed' where id = {member_a}$$,
    '1 rows', 'profiles update: a user edits their own profile (control)'),
  ('ISO-1-020', 'member_a', $$update public.profiles set id = {owner_b} where id = {member_a}$$,
    '42501: permission denied for table profiles',
    'profiles update: a user cannot re-key their profile to another user')]::tests.cell[]);

-- profiles · delete: nobody
select tests.check_cells('profiles delete',
  $$delete from public.profiles where id = {member_a}$$, array[
    ('ISO-1-021', 'anon',      '42501: permission denied for table profiles'),
    ('ISO-1-022', 'member_a',  '42501: permission denied for table profiles'),
    ('ISO-1-023', 'admin_a',   '42501: permission denied for table profiles'),
    ('ISO-1-024', 'owner_a',   '42501: permission denied for table profiles'),
    ('ISO-1-025', 'removed_a', '42501: permission denied for table profiles'),
    ('ISO-1-026', 'owner_b',   '42501: permission denied for table profiles')]::tests.outcome[]);

-- organizations · select: members only
select tests.check_cells('organizations select (org A)',
  $$select 1 from public.organizations where id = {org_a}$$, array[
    ('ISO-1-027', 'anon',      '42501: permission denied for table organizations'),
    ('ISO-1-028', 'member_a',  '1 rows'),
    ('ISO-1-029', 'admin_a',   '1 rows'),
    ('ISO-1-030', 'owner_a',   '1 rows'),
    ('ISO-1-031', 'removed_a', '0 rows'),
    ('ISO-1-032', 'owner_b',   '0 rows')]::tests.outcome[]);

-- organizations · insert: nobody (create_organization is the way in)
select tests.check_cells('organizations insert',
  $$insert into public.organizations (name) values ('pwned')$$, array[
    ('ISO-1-033', 'anon',      '42501: permission denied for table organizations'),
    ('ISO-1-034', 'member_a',  '42501: permission denied for table organizations'),
    ('ISO-1-035', 'admin_a',   '42501: permission denied for table organizations'),
    ('ISO-1-036', 'owner_a',   '42501: permission denied for table organizations'),
    ('ISO-1-037', 'removed_a', '42501: permission denied for table organizations'),
    ('ISO-1-038', 'owner_b',   '42501: permission denied for table organizations')]::tests.outcome[]);

-- organizations · update: owners only
select tests.check_cells('organizations update (org A)',
  $$update public.organizations set name = 'pwned' where id = {org_a}$$, array[
    ('ISO-1-039', 'anon',      '42501: permission denied for table organizations'),
    ('ISO-1-040', 'member_a',  '0 rows'),
    ('ISO-1-041', 'admin_a',   '0 rows'),
    ('ISO-1-042', 'removed_a', '0 rows'),
    ('ISO-1-043', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-044', 'owner_a', $$update public.organizations set name = 'Org A renamed' where id = {org_a}$$,
    '1 rows', 'organizations update as owner_a: renames their organisation (control)')]::tests.cell[]);

-- organizations · delete: nobody (delete_organization is the way out)
select tests.check_cells('organizations delete (org A)',
  $$delete from public.organizations where id = {org_a}$$, array[
    ('ISO-1-045', 'anon',      '42501: permission denied for table organizations'),
    ('ISO-1-046', 'member_a',  '42501: permission denied for table organizations'),
    ('ISO-1-047', 'admin_a',   '42501: permission denied for table organizations'),
    ('ISO-1-048', 'owner_a',   '42501: permission denied for table organizations'),
    ('ISO-1-049', 'removed_a', '42501: permission denied for table organizations'),
    ('ISO-1-050', 'owner_b',   '42501: permission denied for table organizations')]::tests.outcome[]);

-- memberships · select: members read their organisation's
select tests.check_cells('memberships select (org A)',
  $$select 1 from public.memberships where org_id = {org_a}$$, array[
    ('ISO-1-051', 'anon',      '42501: permission denied for table memberships'),
    ('ISO-1-052', 'member_a',  '3 rows'),
    ('ISO-1-053', 'admin_a',   '3 rows'),
    ('ISO-1-054', 'owner_a',   '3 rows'),
    ('ISO-1-055', 'removed_a', '0 rows'),
    ('ISO-1-056', 'owner_b',   '0 rows')]::tests.outcome[]);

-- memberships · insert: no client holds INSERT; a membership is the creator's own or an
-- accepted invitation, so not even an owner adds a user without their consent
select tests.check_cells('memberships insert (owner_b as owner of A)',
  $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$, array[
    ('ISO-1-057', 'anon',      '42501: permission denied for table memberships'),
    ('ISO-1-058', 'member_a',  '42501: permission denied for table memberships'),
    ('ISO-1-059', 'admin_a',   '42501: permission denied for table memberships'),
    ('ISO-1-060', 'removed_a', '42501: permission denied for table memberships'),
    ('ISO-1-061', 'owner_b',   '42501: permission denied for table memberships')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-062', 'removed_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {removed_a}, 'member')$$,
    '42501: permission denied for table memberships',
    'memberships insert: a removed member cannot re-add themselves'),
  ('ISO-1-116', 'owner_a', $$insert into public.memberships (org_id, user_id, role) values ({org_a}, {fresh}, 'member')$$,
    '42501: permission denied for table memberships',
    'memberships insert: not even an owner adds a user directly (no consent)'),
  ('ISO-1-117', 'owner_a', $$insert into public.invitations (org_id, user_id) values ({org_a}, {fresh})$$,
    '1 rows', 'invitations insert as owner_a: invites fresh to A (control)'),
  ('ISO-1-118', 'fresh', $$select 1 from public.memberships where org_id = {org_a}$$,
    '0 rows', 'an invitation alone is no membership: fresh reads none of A''s memberships'),
  ('ISO-1-119', 'fresh', $$select * from public.accept_invitation({org_a})$$,
    '1 rows', 'accept_invitation(A) as fresh: accepts')]::tests.cell[]);
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.fx('org_a') and user_id = tests.fx('fresh')$$,
  $$values (tests.fx('fresh'), 'member')$$,
  '[ISO-1-063] memberships: owner_a adds a member by invitation, once accepted (control)');

-- memberships · update: owners change roles; org_id and user_id are outside the column-level
-- UPDATE grant (role only), and the trigger forbid_membership_user_change stops roles that hold
-- UPDATE on every column (service_role through the API, postgres in migrations and jobs) from
-- moving a membership to another user (one member removed, another added: no removal event,
-- no consent)
select tests.check_cells('memberships update (promote member_a to owner)',
  $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {member_a}$$, array[
    ('ISO-1-064', 'anon',      '42501: permission denied for table memberships'),
    ('ISO-1-065', 'member_a',  '0 rows'),
    ('ISO-1-066', 'admin_a',   '0 rows'),
    ('ISO-1-067', 'removed_a', '0 rows'),
    ('ISO-1-068', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-069', 'owner_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {fresh}$$,
    '1 rows', 'memberships update as owner_a: changes the accepted member''s role (control)'),
  ('ISO-1-070', 'owner_a', $$update public.memberships set org_id = {org_c} where org_id = {org_a} and user_id = {fresh}$$,
    '42501: permission denied for table memberships',
    'memberships update: an owner of A and C cannot move a membership to C (org_id immutable)'),
  ('ISO-1-071', 'owner_b', $$update public.memberships set org_id = {org_a} where org_id = {org_b} and user_id = {member_b}$$,
    '42501: permission denied for table memberships',
    'memberships update: owner_b cannot move a B membership into A'),
  ('ISO-1-105', 'owner_a', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {fresh}$$,
    '42501: permission denied for table memberships',
    'memberships update: owner_a cannot move a membership to another user (column grant)'),
  ('ISO-1-106', 'admin_a', $$update public.memberships set user_id = {fresh} where org_id = {org_a} and user_id = {admin_a}$$,
    '42501: permission denied for table memberships',
    'memberships update: admin_a cannot hand their own membership to another user (column grant)'),
  ('ISO-1-107', 'member_a', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {member_a}$$,
    '42501: permission denied for table memberships',
    'memberships update: member_a cannot hand their own membership to another user (column grant)'),
  ('ISO-1-108', 'owner_b', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {member_a}$$,
    '42501: permission denied for table memberships',
    'memberships update: owner_b cannot take over a membership of A (column grant)'),
  ('ISO-1-109', 'service_role', $$update public.memberships set user_id = {owner_b} where org_id = {org_a} and user_id = {member_a}$$,
    '42501: a membership cannot be moved to another user',
    'memberships update: service_role cannot move a membership to another user (trigger)')]::tests.cell[]);
select throws_ok(
  format('update public.memberships set user_id = %L where org_id = %L and user_id = %L',
    tests.fx('owner_b'), tests.fx('org_a'), tests.fx('member_a')),
  '42501', 'a membership cannot be moved to another user',
  '[ISO-1-110] memberships update: not even postgres can move a membership to another user (trigger)');

-- memberships · delete: owners remove members
select tests.check_cells('memberships delete (fresh from A)',
  $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$, array[
    ('ISO-1-072', 'anon',      '42501: permission denied for table memberships'),
    ('ISO-1-073', 'member_a',  '0 rows'),
    ('ISO-1-074', 'admin_a',   '0 rows'),
    ('ISO-1-075', 'removed_a', '0 rows'),
    ('ISO-1-076', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-077', 'owner_a', $$delete from public.memberships where org_id = {org_a} and user_id = {fresh}$$,
    '1 rows', 'memberships delete as owner_a: removes the accepted member (control)')]::tests.cell[]);

-- invitations: owners invite into their own organisations; the invitee sees, accepts or declines
-- their own invitation; nobody else sees or touches it. Until accepted, the invitee sees nothing
-- of the organisation and the organisation sees nothing of the invitee.

-- What the audit trail holds about invitations to p_user (as postgres).
create function pg_temp.inv_audit(p_user text)
returns table (org_id uuid, actor_kind text, actor_id uuid, actor_job text, target_table text, reason text)
language sql as $$
  select e.org_id, e.actor_kind, e.actor_id, e.actor_job, e.target_table, e.reason
  from audit.events e
  where e.action = 'invitation.removed' and e.target_id = tests.fx(p_user)::text
  order by e.occurred_at, e.seq
$$;

-- invitations · insert (controls): owner_a invites the invitee and member_b (of B) to A
select tests.check_cells(array[
  ('ISO-1-120', 'owner_a', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {invitee}, 'member')$$,
    '1 rows', 'invitations insert as owner_a: invites the invitee to A (control)'),
  ('ISO-1-121', 'owner_a', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {member_b}, 'member')$$,
    '1 rows', 'invitations insert as owner_a: invites member_b of B to A (control)')]::tests.cell[]);
select results_eq(
  $$select invited_by, role::text from public.invitations
    where org_id = tests.fx('org_a') and user_id = tests.fx('invitee')$$,
  $$values (tests.fx('owner_a'), 'member')$$,
  '[ISO-1-122] invitations insert: invited_by defaults to the inviting owner, role to member');

-- invitations · select: the organisation's owners, and each invitee their own
select tests.check_cells('invitations select (org A)',
  $$select 1 from public.invitations where org_id = {org_a}$$, array[
    ('ISO-1-123', 'anon',      '42501: permission denied for table invitations'),
    ('ISO-1-124', 'member_a',  '0 rows'),
    ('ISO-1-125', 'admin_a',   '0 rows'),
    ('ISO-1-126', 'owner_a',   '2 rows'),
    ('ISO-1-127', 'removed_a', '0 rows'),
    ('ISO-1-128', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-129', 'invitee', $$select 1 from public.invitations where org_id = {org_a} and user_id = {invitee}$$,
    '1 rows', 'invitations select as the invitee: reads their own invitation'),
  ('ISO-1-130', 'invitee', $$select 1 from public.invitations where org_id = {org_a}$$,
    '1 rows', 'invitations select as the invitee: not the other invitations to the same org')]::tests.cell[]);

-- invitations · insert: only an owner, into their own organisation, as themselves, of a user
-- who is neither a member nor invited yet, as member or admin; each refusal lands no row.
-- The member check is an AFTER trigger so that RLS refuses a non-owner first: inviting a member
-- of A tells a non-owner nothing about A's membership.
select tests.check_cells('invitations insert (owner_b to A)',
  $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {owner_b}, 'member')$$, array[
    ('ISO-1-131', 'anon',      '42501: permission denied for table invitations'),
    ('ISO-1-132', 'member_a',  '42501: new row violates row-level security policy for table "invitations"'),
    ('ISO-1-133', 'admin_a',   '42501: new row violates row-level security policy for table "invitations"'),
    ('ISO-1-134', 'removed_a', '42501: new row violates row-level security policy for table "invitations"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-135', 'owner_b', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {owner_b}, 'member')$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: owner_b cannot invite themselves into A (forged org_id)'),
  ('ISO-1-136', 'owner_b', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {fresh}, 'member')$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: owner_b cannot invite anyone into A (forged org_id)'),
  ('ISO-1-137', 'invitee', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {owner_b}, 'member')$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert (owner_b to A) as the invitee: refused'),
  ('ISO-1-138', 'removed_a', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {removed_a}, 'member')$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: a removed member cannot invite themselves back'),
  ('ISO-1-139', 'owner_a', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {owner_b}, 'owner')$$,
    '23514: new row for relation "invitations" violates check constraint "invitations_role_check"',
    'invitations insert: an owner cannot invite someone as owner (check)'),
  ('ISO-1-140', 'owner_a', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {member_a}, 'member')$$,
    'PT409: this user is already a member of the organisation',
    'invitations insert: an owner cannot invite an existing member'),
  ('ISO-1-141', 'owner_a', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {invitee}, 'member')$$,
    '23505: duplicate key value violates unique constraint "invitations_pkey"',
    'invitations insert: an owner cannot invite the same user twice'),
  ('ISO-1-142', 'owner_a', $$insert into public.invitations (org_id, user_id, invited_by) values ({org_a}, {owner_b}, {admin_a})$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: invited_by cannot be forged to another user'),
  ('ISO-1-143', 'owner_a', $$insert into public.invitations (org_id, user_id, invited_by) values ({org_a}, {owner_b}, null)$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: invited_by cannot be blanked'),
  ('ISO-1-144', 'owner_b', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {member_a}, 'member')$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: owner_b learns nothing of A''s membership (RLS before the member check)'),
  ('ISO-1-145', 'invitee', $$insert into public.invitations (org_id, user_id, role) values ({org_a}, {admin_a}, 'member')$$,
    '42501: new row violates row-level security policy for table "invitations"',
    'invitations insert: a user of no org learns nothing of A''s membership (RLS before the member check)')]::tests.cell[]);

-- invitations · update: owners change the role (to member or admin) and nothing else
select tests.check_cells('invitations update (role)',
  $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$, array[
    ('ISO-1-146', 'anon',      '42501: permission denied for table invitations'),
    ('ISO-1-147', 'member_a',  '0 rows'),
    ('ISO-1-148', 'admin_a',   '0 rows'),
    ('ISO-1-149', 'removed_a', '0 rows'),
    ('ISO-1-150', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-151', 'invitee', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$,
    '0 rows', 'invitations update: the invitee cannot change their own role'),
  ('ISO-1-152', 'owner_a', $$update public.invitations set role = 'owner' where org_id = {org_a} and user_id = {invitee}$$,
    '23514: new row for relation "invitations" violates check constraint "invitations_role_check"',
    'invitations update: an owner cannot turn an invitation into an owner invitation (check)'),
  ('ISO-1-153', 'owner_a', $$update public.invitations set org_id = {org_c} where org_id = {org_a} and user_id = {invitee}$$,
    '42501: permission denied for table invitations',
    'invitations update: an owner of A and C cannot move an invitation to C (column grant)'),
  ('ISO-1-154', 'owner_a', $$update public.invitations set user_id = {owner_b} where org_id = {org_a} and user_id = {invitee}$$,
    '42501: permission denied for table invitations',
    'invitations update: an owner cannot readdress an invitation to another user (column grant)'),
  ('ISO-1-155', 'owner_a', $$update public.invitations set invited_by = {admin_a} where org_id = {org_a} and user_id = {invitee}$$,
    '42501: permission denied for table invitations',
    'invitations update: invited_by cannot be rewritten (column grant)'),
  ('ISO-1-156', 'owner_a', $$update public.invitations set role = 'admin' where org_id = {org_a} and user_id = {invitee}$$,
    '1 rows', 'invitations update as owner_a: invites as admin instead (control)')]::tests.cell[]);

-- invitations · delete: the owner withdraws, the invitee declines (both below); nobody else
select tests.check_cells('invitations delete',
  $$delete from public.invitations where org_id = {org_a} and user_id = {invitee}$$, array[
    ('ISO-1-157', 'anon',      '42501: permission denied for table invitations'),
    ('ISO-1-158', 'member_a',  '0 rows'),
    ('ISO-1-159', 'admin_a',   '0 rows'),
    ('ISO-1-160', 'removed_a', '0 rows'),
    ('ISO-1-161', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-1-162', 'invitee', $$delete from public.invitations where org_id = {org_a} and user_id = {member_b}$$,
    '0 rows', 'invitations delete: the invitee cannot decline someone else''s invitation')]::tests.cell[]);

-- pending invitation: the invitee sees nothing of A, and A sees nothing of the invitee
select tests.check_cells(array[
  ('ISO-1-163', 'invitee', $$select 1 from public.organizations where id = {org_a}$$,
    '0 rows', 'pending invitee: reads no organisation row of A'),
  ('ISO-1-164', 'invitee', $$select 1 from public.surveys where org_id = {org_a}$$,
    '0 rows', 'pending invitee: reads none of A''s surveys'),
  ('ISO-1-165', 'invitee', $$select 1 from public.memberships where org_id = {org_a}$$,
    '0 rows', 'pending invitee: reads none of A''s memberships'),
  ('ISO-1-166', 'invitee', $$select 1 from public.profiles where id in ({owner_a}, {admin_a}, {member_a})$$,
    '0 rows', 'pending invitee: reads no profile of A''s members (not even the inviter''s)'),
  ('ISO-1-167', 'owner_a', $$select 1 from public.profiles where id = {invitee}$$,
    '0 rows', 'pending invitee: the inviting owner cannot read their profile (no cross-tenant read)'),
  ('ISO-1-168', 'owner_a', $$select 1 from public.memberships where user_id = {invitee}$$,
    '0 rows', 'pending invitee: the inviting owner sees no membership of theirs')]::tests.cell[]);

-- withdrawing: the owner deletes member_b's invitation; audited with the owner as actor
select tests.check_cells(array[
  ('ISO-1-169', 'owner_a', $$delete from public.invitations where org_id = {org_a} and user_id = {member_b}$$,
    '1 rows', 'invitations delete as owner_a: withdraws member_b''s invitation (control)')]::tests.cell[]);
select results_eq(
  $$select * from pg_temp.inv_audit('member_b')$$,
  $$values (tests.fx('org_a'), 'user'::text, tests.fx('owner_a'), null::text, 'public.invitations'::text,
    'invitation_withdrawn'::text)$$,
  '[ISO-1-170] withdrawing is audited once, as invitation.removed by the owner, reason invitation_withdrawn');
select tests.check_cells(array[
  ('ISO-1-171', 'member_b', $$select * from public.accept_invitation({org_a})$$,
    'P0002: there is no invitation to organisation [org_a] for you',
    'accept_invitation(A) as member_b after the withdrawal: refused')]::tests.cell[]);

-- accept_invitation: only the invitee, once; the membership takes the invited role
select tests.check_cells(array[
  ('ISO-1-172', 'anon', $$select * from public.accept_invitation({org_a})$$,
    '42501: permission denied for function accept_invitation', 'accept_invitation(A) as anon: refused'),
  ('ISO-1-173', 'member_a', $$select * from public.accept_invitation({org_a})$$,
    'P0002: there is no invitation to organisation [org_a] for you',
    'accept_invitation(A) as member_a (not invited): refused'),
  ('ISO-1-174', 'owner_a', $$select * from public.accept_invitation({org_a})$$,
    'P0002: there is no invitation to organisation [org_a] for you',
    'accept_invitation(A) as owner_a (the inviter): refused'),
  ('ISO-1-175', 'removed_a', $$select * from public.accept_invitation({org_a})$$,
    'P0002: there is no invitation to organisation [org_a] for you',
    'accept_invitation(A) as removed_a (not invited): refused'),
  ('ISO-1-176', 'owner_b', $$select * from public.accept_invitation({org_a})$$,
    'P0002: there is no invitation to organisation [org_a] for you',
    'accept_invitation(A) as owner_b (not invited): refused'),
  ('ISO-1-177', 'invitee', $$select * from public.accept_invitation({org_b})$$,
    'P0002: there is no invitation to organisation [org_b] for you',
    'accept_invitation(B) as the invitee (invited to A only): refused'),
  ('ISO-1-178', 'invitee', $$select user_id, org_id, role from public.accept_invitation({org_a}) where role = 'admin'$$,
    '1 rows', 'accept_invitation(A) as the invitee: accepts, returning their new admin membership')]::tests.cell[]);
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.fx('org_a') and user_id = tests.fx('invitee')$$,
  $$values (tests.fx('invitee'), 'admin')$$,
  '[ISO-1-179] accept_invitation: the membership exists, with the invited role');
select is((select count(*)::int from public.invitations where user_id = tests.fx('invitee')), 0,
  '[ISO-1-180] accept_invitation: the invitation is gone');
select is_empty($$select * from pg_temp.inv_audit('invitee')$$,
  '[ISO-1-181] accept_invitation: an accepted invitation is not audited as removed');
select tests.check_cells(array[
  ('ISO-1-182', 'invitee', $$select * from public.accept_invitation({org_a})$$,
    'P0002: there is no invitation to organisation [org_a] for you', 'accept_invitation(A) twice: refused'),
  ('ISO-1-183', 'invitee', $$select 1 from public.surveys where org_id = {org_a}$$,
    '2 rows', 'accepted: the invitee reads A''s live surveys'),
  ('ISO-1-184', 'invitee', $$select 1 from public.profiles where id = {owner_a}$$,
    '1 rows', 'accepted: the invitee reads the owner''s profile'),
  ('ISO-1-185', 'owner_a', $$select 1 from public.profiles where id = {invitee}$$,
    '1 rows', 'accepted: the owner reads the new member''s profile'),
  ('ISO-1-186', 'owner_a', $$insert into public.invitations (org_id, user_id) values ({org_a}, {invitee})$$,
    'PT409: this user is already a member of the organisation',
    'accepted: the new member cannot be invited again')]::tests.cell[]);

-- declining: owner_a invites the invitee to C; the invitee deletes the invitation
select tests.check_cells(array[
  ('ISO-1-187', 'owner_a', $$insert into public.invitations (org_id, user_id, role) values ({org_c}, {invitee}, 'member')$$,
    '1 rows', 'invitations insert as owner_a: invites the invitee to C (control)'),
  ('ISO-1-188', 'invitee', $$delete from public.invitations where org_id = {org_c} and user_id = {invitee}$$,
    '1 rows', 'invitations delete as the invitee: declines the invitation to C')]::tests.cell[]);
select results_eq(
  $$select * from pg_temp.inv_audit('invitee')$$,
  $$values (tests.fx('org_c'), 'user'::text, tests.fx('invitee'), null::text, 'public.invitations'::text,
    'invitation_declined'::text)$$,
  '[ISO-1-189] declining is audited once, as invitation.removed by the invitee, reason invitation_declined');
select tests.check_cells(array[
  ('ISO-1-190', 'invitee', $$select * from public.accept_invitation({org_c})$$,
    'P0002: there is no invitation to organisation [org_c] for you',
    'accept_invitation(C) after declining: refused')]::tests.cell[]);
select is((select count(*)::int from public.memberships where org_id = tests.fx('org_c') and user_id = tests.fx('invitee')), 0,
  '[ISO-1-191] declining: no membership of C');

-- organisation deletion takes its pending invitations with it, audited as organization_deleted
-- (org I: owner_b's second organisation, created here)
insert into public.organizations (id, name, created_by)
values (tests.fx('org_i'), 'Org I', tests.fx('owner_b'));
insert into public.memberships (org_id, user_id, role)
values (tests.fx('org_i'), tests.fx('owner_b'), 'owner');
select tests.check_cells(array[
  ('ISO-1-192', 'owner_b', $$insert into public.invitations (org_id, user_id) values ({org_i}, {fresh})$$,
    '1 rows', 'invitations insert as owner_b: invites fresh to a new org I (control)'),
  ('ISO-1-193', 'owner_b', $$select public.delete_organization({org_i})$$,
    '1 rows', 'delete_organization(I) as its owner: deletes it')]::tests.cell[]);
select is((select count(*)::int from public.invitations where user_id = tests.fx('fresh')), 0,
  '[ISO-1-194] delete_organization: the pending invitation went with the organisation');
select results_eq(
  $$select reason, actor_id from pg_temp.inv_audit('fresh')$$,
  $$values ('organization_deleted'::text, tests.fx('owner_b'))$$,
  '[ISO-1-195] delete_organization: the cascaded invitation is audited once, reason organization_deleted');

-- account erasure takes the account's pending invitations with it, audited as account_erasure
-- (erased_invitee, invited by owner_b to B, asks for the erasure of their account, and the
-- erasure job runs it, as postgres: it deletes the invitations itself, once the auth user is
-- gone, so the statement-level audit trigger sees no signed-in actor and the user gone)
select tests.create_user(tests.fx('erased_invitee'), 'erased-invitee@example.test');
insert into public.invitations (org_id, user_id, invited_by)
values (tests.fx('org_b'), tests.fx('erased_invitee'), tests.fx('owner_b'));
select tests.clear_account_erasure_queue();
select tests.request_account_erasure(tests.fx('erased_invitee')::text);
select tests.run_account_erasure(tests.fx('erased_invitee')::text);
select results_eq(
  $$select * from pg_temp.inv_audit('erased_invitee')$$,
  $$values (tests.fx('org_b'), 'system'::text, null::uuid, 'database'::text, 'public.invitations'::text,
    'account_erasure'::text)$$,
  '[ISO-1-197] account erasure: the invitee''s pending invitation is audited once, reason account_erasure, by the database (the erasure job''s statement, no signed-in actor)');
select is((select count(*)::int from public.invitations where user_id = tests.fx('erased_invitee')), 0,
  '[ISO-1-198] account erasure: the pending invitation went with the account');

-- memberships · delete: a member may leave (the invitee leaves A, whose members are the fixture's)
select tests.check_cells(array[
  ('ISO-1-196', 'invitee', $$delete from public.memberships where org_id = {org_a} and user_id = {invitee}$$,
    '1 rows', 'memberships delete: the accepted member may leave A')]::tests.cell[]);

-- create_organization: any signed-in user; the caller becomes its sole member, as owner
select tests.check_cells(array[
  ('ISO-1-078', 'anon', $$select * from public.create_organization('pwned')$$,
    '42501: permission denied for function create_organization', 'create_organization as anon: refused'),
  ('ISO-1-079', 'fresh', $$select * from public.create_organization('Fresh Org')$$,
    '1 rows', 'create_organization as a signed-in user: creates one organisation')]::tests.cell[]);
select results_eq(
  $$select m.user_id, m.role::text, o.created_by from public.organizations o
    join public.memberships m on m.org_id = o.id where o.name = 'Fresh Org'$$,
  $$select tests.fx('fresh'), 'owner', tests.fx('fresh')$$,
  '[ISO-1-080] create_organization: the caller is the sole member, as owner, and the creator');
select tests.check_cells(array[
  ('ISO-1-081', 'fresh', $$select 1 from public.organizations where name in ('Org A renamed', 'Org B', 'Org C')$$,
    '0 rows', 'create_organization: the new owner sees no other organisation')]::tests.cell[]);

-- delete_organization: owners only; to a non-member, another organisation is 'not found'
select tests.check_cells('delete_organization(A)',
  $$select public.delete_organization({org_a})$$, array[
    ('ISO-1-082', 'anon',      '42501: permission denied for function delete_organization'),
    ('ISO-1-083', 'member_a',  '42501: only owners can delete an organisation'),
    ('ISO-1-084', 'admin_a',   '42501: only owners can delete an organisation'),
    ('ISO-1-085', 'removed_a', 'P0002: organisation [org_a] not found'),
    ('ISO-1-086', 'owner_b',   'P0002: organisation [org_a] not found')]::tests.outcome[]);
select is((select count(*)::int from public.organizations where id = tests.fx('org_a')), 1,
  '[ISO-1-087] delete_organization: org A still exists after the refused attempts');

-- last owner: an organisation always keeps one owner, who can neither leave, nor be demoted,
-- nor hand their owner row to another user (which would also skip the removal audit)
select tests.check_cells(array[
  ('ISO-1-088', 'owner_a', $$delete from public.memberships where org_id = {org_a} and user_id = {owner_a}$$,
    'PT409: the last owner of an organisation cannot leave or be demoted',
    'last owner: owner_a cannot leave A'),
  ('ISO-1-089', 'owner_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {owner_a}$$,
    'PT409: the last owner of an organisation cannot leave or be demoted',
    'last owner: owner_a cannot demote themselves'),
  ('ISO-1-090', 'owner_a', $$update public.memberships set role = 'owner' where org_id = {org_a} and user_id = {admin_a}$$,
    '1 rows', 'last owner: owner_a makes admin_a a second owner'),
  ('ISO-1-091', 'admin_a', $$update public.memberships set role = 'admin' where org_id = {org_a} and user_id = {owner_a}$$,
    '1 rows', 'last owner: with two owners, one may demote the other'),
  ('ISO-1-092', 'admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {admin_a}$$,
    'PT409: the last owner of an organisation cannot leave or be demoted',
    'last owner: the new sole owner cannot leave either'),
  ('ISO-1-111', 'admin_a', $$update public.memberships set user_id = {member_a} where org_id = {org_a} and user_id = {admin_a}$$,
    '42501: permission denied for table memberships',
    'last owner: the sole owner cannot swap their owner row to another user (column grant)'),
  ('ISO-1-112', 'admin_a', $$update public.memberships set user_id = {fresh} where org_id = {org_a} and user_id = {admin_a}$$,
    '42501: permission denied for table memberships',
    'last owner: ... not even to a user who is not yet a member (column grant)')]::tests.cell[]);
select throws_ok(
  format('update public.memberships set user_id = %L where org_id = %L and user_id = %L',
    tests.fx('fresh'), tests.fx('org_a'), tests.fx('admin_a')),
  '42501', 'a membership cannot be moved to another user',
  '[ISO-1-113] last owner: the swap is refused by the trigger too, even as postgres');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.fx('org_a') and role = 'owner'$$,
  $$values (tests.fx('admin_a'), 'owner')$$,
  '[ISO-1-114] last owner: A''s sole owner row still belongs to admin_a after the swap attempts');

-- removal: a removed member loses access at once (same transaction, no new token)
select tests.check_cells(array[
  ('ISO-1-093', 'member_a', $$select 1 from public.organizations where id = {org_a}$$,
    '1 rows', 'removal: member_a reads org A before removal'),
  ('ISO-1-094', 'admin_a', $$delete from public.memberships where org_id = {org_a} and user_id = {member_a}$$,
    '1 rows', 'removal: the owner removes member_a'),
  ('ISO-1-095', 'member_a', $$select 1 from public.organizations where id = {org_a}$$,
    '0 rows', 'removal: member_a no longer reads org A'),
  ('ISO-1-096', 'member_a', $$select 1 from public.memberships where org_id = {org_a}$$,
    '0 rows', 'removal: member_a no longer reads A''s memberships'),
  ('ISO-1-097', 'member_a', $$select 1 from public.profiles where id = {owner_a}$$,
    '0 rows', 'removal: member_a no longer reads former co-members'' profiles'),
  ('ISO-1-098', 'member_a', $$select 1 from public.surveys where org_id = {org_a}$$,
    '0 rows', 'removal: member_a no longer reads A''s surveys')]::tests.cell[]);

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
