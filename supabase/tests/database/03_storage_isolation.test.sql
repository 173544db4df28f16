-- 03 Storage isolation: objects of bucket `recordings`, for every operation, as anon, as
-- owner/admin/member/removed member of org A and as owner of org B. No client reads, uploads,
-- updates or deletes recording objects through the API (restrictive policies): members listen
-- through the broker's short-lived signed URLs and upload through its signed upload URLs, both
-- served by the Storage API as service_role (docs/RECORDING_ACCESS.md); a direct DELETE is
-- stopped by Storage's guard. Cells as in 02: 'N rows' or 'SQLSTATE: message',
-- run in the order written.
-- The fixture, {key} templates and tests.check_cells(): supabase/tests/helpers/20_isolation.sql.
begin;
select plan(54);
select tests.isolation_fixture();

-- Objects as the Storage API would have created them (as postgres, bypassing RLS).
do $$ begin
  perform tests.create_object('recordings', format('%s/%s/%s/a.webm', tests.fx('org_a'), tests.fx('s_a'), tests.fx('r_a')));
  perform tests.create_object('recordings', format('%s/%s/x/deleted.webm', tests.fx('org_a'), tests.fx('s_a_del')));
  perform tests.create_object('recordings', format('%s/%s/%s/b.webm', tests.fx('org_b'), tests.fx('s_b'), tests.fx('r_b')));
  perform tests.create_object('recordings', format('%s/%s/%s/c.webm', tests.fx('org_c'), tests.fx('s_c'), tests.fx('r_c')));
  perform tests.create_object('recordings', 'not-a-uuid/also-not/file.webm');
end $$;
create temp table objects_before as select id, bucket_id, name, metadata from storage.objects;

-- objects · select: no client, whatever its role in the organisation (restrictive policy); the
-- service role, which signs the broker's URLs, reads (control)
select tests.check_cells('objects select (org A folder)',
  $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$, array[
    ('STO-001', 'anon',      '0 rows'),
    ('STO-002', 'member_a',  '0 rows'),
    ('STO-003', 'admin_a',   '0 rows'),
    ('STO-004', 'owner_a',   '0 rows'),
    ('STO-005', 'removed_a', '0 rows'),
    ('STO-006', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('STO-007', 'service_role', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_b]/%'$$,
    '1 rows', 'objects select: the service role (the broker''s signer) reads B''s object (control)'),
  ('STO-008', 'owner_a', $$select 1 from storage.objects where name like '[org_a]/[s_a_del]/%'$$,
    '0 rows', 'objects select: objects of a soft-deleted survey are hidden from the owner'),
  ('STO-009', 'member_a', $$select 1 from storage.objects where name like 'not-a-uuid/%'$$,
    '0 rows', 'objects select: a malformed name is simply not visible (no cast error)')]::tests.cell[]);

-- objects · insert (upload): no client, not even a member into their own live survey under a
-- well-shaped ids-only name (the real Storage API writes with INSERT ... RETURNING as the
-- caller, and uploads go through the broker's signed upload URLs instead). The attack cells of
-- the former folder rules stay, refused all the same.
select tests.check_cells(array(
  select (c.id, c.who,
      format('insert into storage.objects (bucket_id, name) values (%L, %L)', 'recordings', c.name),
      '42501: new row violates row-level security policy for table "objects"', c.description
    )::tests.cell
  from (values
    ('STO-010', 'anon',      '[org_a]/[s_a]/[r_a]/[file_x].webm',
      'objects insert into A/survey A as anon: refused'),
    ('STO-011', 'member_a',  '[org_a]/[s_a]/[r_a]/[file_member].webm',
      'objects insert into A/survey A as member_a: refused (signed upload URLs only)'),
    ('STO-012', 'admin_a',   '[org_a]/[s_a]/[r_a]/[file_admin].webm',
      'objects insert into A/survey A as admin_a: refused'),
    ('STO-013', 'owner_a',   '[org_a]/[s_a]/[r_a]/[file_owner].webm',
      'objects insert into A/survey A as owner_a: refused'),
    ('STO-014', 'removed_a', '[org_a]/[s_a]/[r_a]/[file_x].webm',
      'objects insert into A/survey A as removed_a: refused'),
    ('STO-015', 'owner_b',   '[org_a]/[s_a]/[r_a]/[file_x].webm',
      'objects insert into A/survey A as owner_b: refused'),
    ('STO-016', 'owner_b',   '[org_b]/[s_a]/[r_a]/[file_x].webm',
      'objects insert: owner_b cannot upload under A''s survey in B''s folder'),
    ('STO-017', 'owner_b',   '[org_a]/[s_b]/[r_b]/[file_x].webm',
      'objects insert: owner_b cannot upload into A''s folder'),
    ('STO-018', 'owner_a',   '[org_a]/[s_c]/[r_c]/[file_x].webm',
      'objects insert: a member of A and C cannot file C''s survey under A''s folder (org/survey pair must match)'),
    ('STO-019', 'owner_a',   '[org_c]/[s_a]/[r_a]/[file_x].webm',
      'objects insert: ... nor A''s survey under C''s folder'),
    ('STO-020', 'owner_a',   '[org_a]/[s_a_del]/[r_a]/[file_x].webm',
      'objects insert: not under a soft-deleted survey'),
    ('STO-021', 'owner_a',   '[org_a]/[file_x].webm',
      'objects insert: not at the organisation root (no survey folder)'),
    ('STO-022', 'member_a',  '[file_x].webm',
      'objects insert: not at the bucket root'),
    ('STO-049', 'member_a',  '[org_a]/[s_a]/[r_a]/jane.doe@example.com.webm',
      'objects insert: a file name carrying an email is refused, even in one''s own live survey folder'),
    ('STO-050', 'owner_a',   '[org_a]/[s_a]/[r_a]/interview-1.webm',
      'objects insert: a file name that is not a uuid is refused'),
    ('STO-051', 'owner_a',   '[org_a]/[s_a]/[file_x].webm',
      'objects insert: a uuid file name without a response folder is refused'),
    ('STO-052', 'owner_a',   '[org_a]/[s_a]/jane.doe@example.com/[file_x].webm',
      'objects insert: a response folder that is not a uuid (here an email) is refused'),
    ('STO-053', 'owner_a',   '[org_a]/[s_a]/[r_a]/[file_x].html',
      'objects insert: a uuid file name with a non-audio extension is refused'),
    ('STO-054', 'member_a',  '[org_a]/[s_a]/[r_a]/[file_member_2].m4a',
      'objects insert: a well-shaped name (another audio extension) in one''s own live survey folder is refused too')
  ) as c(id, who, name, description)
  -- Run in id order, the order written.
  order by c.id));

-- objects · update: nobody through the API, whatever the folder (restrictive policy)
select tests.check_cells('objects update (whole bucket)',
  $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$, array[
    ('STO-023', 'anon',      '0 rows'),
    ('STO-024', 'member_a',  '0 rows'),
    ('STO-025', 'admin_a',   '0 rows'),
    ('STO-026', 'owner_a',   '0 rows'),
    ('STO-027', 'removed_a', '0 rows'),
    ('STO-028', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('STO-029', 'owner_a', $$update storage.objects set name = replace(name, '[org_a]', '[org_b]') where name like '[org_a]/[s_a]/%'$$,
    '0 rows', 'objects update: the owner cannot move an object into another organisation''s folder')]::tests.cell[]);

-- objects · delete: a direct DELETE is refused by Storage's delete guard
select tests.check_cells('objects direct delete',
  $$delete from storage.objects where bucket_id = 'recordings'$$, array[
    ('STO-030', 'anon',      '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.'),
    ('STO-031', 'member_a',  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.'),
    ('STO-032', 'admin_a',   '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.'),
    ('STO-033', 'owner_a',   '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.'),
    ('STO-034', 'removed_a', '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.'),
    ('STO-035', 'owner_b',   '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.')]::tests.outcome[]);

-- objects · delete through the Storage API (which lifts the guard around its own deletes and
-- runs them as the caller): RLS refuses every client; the service role (the purge) deletes
do $$ begin perform set_config('storage.allow_delete_query', 'true', true); end $$;
select tests.check_cells('objects delete via the Storage API',
  $$delete from storage.objects where bucket_id = 'recordings'$$, array[
    ('STO-036', 'anon',      '0 rows'),
    ('STO-037', 'member_a',  '0 rows'),
    ('STO-038', 'admin_a',   '0 rows'),
    ('STO-039', 'owner_a',   '0 rows'),
    ('STO-040', 'removed_a', '0 rows'),
    ('STO-041', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('STO-042', 'service_role', $$delete from storage.objects where name like '[org_c]/%'$$,
    '1 rows', 'objects delete via the Storage API as service_role (the purge): allowed (control)')]::tests.cell[]);
do $$ begin perform set_config('storage.allow_delete_query', '', true); end $$;

-- buckets · update: clients cannot make the bucket public
select tests.check_cells('buckets update (make public)',
  $$update storage.buckets set public = true where id = 'recordings'$$, array[
    ('STO-043', 'anon',      '0 rows'),
    ('STO-044', 'member_a',  '0 rows'),
    ('STO-045', 'owner_a',   '0 rows')]::tests.outcome[]);

-- As postgres: every object that existed is unchanged, and only the allowed uploads were added.
select set_eq(
  $$select id, bucket_id, name, metadata::text from objects_before
    where name not like (tests.fx('org_c')::text || '/%')
    union all
    select id, bucket_id, name, metadata::text from storage.objects where id not in (select id from objects_before)$$,
  $$select id, bucket_id, name, metadata::text from storage.objects$$,
  '[STO-046] pre-existing objects unchanged (only the purge removed C''s object)');
select is_empty(
  $$select name from storage.objects o where not exists (select 1 from objects_before b where b.id = o.id)$$,
  '[STO-047] no client added an object');
select is((select public from storage.buckets where id = 'recordings'), false,
  '[STO-048] the recordings bucket is still private');

select * from finish();
rollback;
