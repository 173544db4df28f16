-- 03 Storage isolation: objects of bucket `recordings`, for every operation, as anon, as
-- owner/admin/member/removed member of org A and as owner of org B. Authenticated users read
-- and upload only inside <org_id>/<live survey_id>/ of their own organisations (the pair must
-- belong together); nobody updates or deletes through the API (restrictive policies), and a
-- direct DELETE is stopped by Storage's guard. Cells as in 02: 'SQLSTATE: message' or 'N rows'.
begin;
select plan(54);
-- Fixtures: tests.isolation_fixture() (helpers.sql) creates them in this transaction: org A
-- (owner, admin, member, a removed member), org B (owner, member), org C (A's owner's second
-- org). tests.fx(key) gives their ids; tests.attempt(who, sql) runs one cell as one identity.
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


-- select: only inside <org>/<live survey>/ of one's own organisations.
select is(tests.attempt('anon', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '0 rows',
  '[STO-001] objects select (org A folder) as anon: 0 rows');
select is(tests.attempt('member_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '1 rows',
  '[STO-002] objects select (org A folder) as member_a: 1 rows (only the live survey''s object)');
select is(tests.attempt('admin_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '1 rows',
  '[STO-003] objects select (org A folder) as admin_a: 1 rows (only the live survey''s object)');
select is(tests.attempt('owner_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '1 rows',
  '[STO-004] objects select (org A folder) as owner_a: 1 rows (only the live survey''s object)');
select is(tests.attempt('removed_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '0 rows',
  '[STO-005] objects select (org A folder) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '0 rows',
  '[STO-006] objects select (org A folder) as owner_b: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_b]/%'$$),
  '1 rows',
  '[STO-007] objects select: owner_b reads B''s object (control)');
select is(tests.attempt('owner_a', $$select 1 from storage.objects where name like '[org_a]/[s_a_del]/%'$$),
  '0 rows',
  '[STO-008] objects select: objects of a soft-deleted survey are hidden from the owner');
select is(tests.attempt('member_a', $$select 1 from storage.objects where name like 'not-a-uuid/%'$$),
  '0 rows',
  '[STO-009] objects select: a malformed name is simply not visible (no cast error)');

-- insert (upload): members of the organisation, into a live survey of that same organisation,
-- under an ids-only name <org>/<survey>/<response>/<file uuid>.<audio ext>. Attack cells use
-- well-shaped names (file 0bad0bad-...) so that the folder rules stay the guard under test.
select is(tests.attempt('anon', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-010] objects insert into A/survey A as anon: refused');
select is(tests.attempt('member_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000a3.webm')$$),
  '1 rows',
  '[STO-011] objects insert into A/survey A as member_a: allowed');
select is(tests.attempt('admin_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000a2.webm')$$),
  '1 rows',
  '[STO-012] objects insert into A/survey A as admin_a: allowed');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000a1.webm')$$),
  '1 rows',
  '[STO-013] objects insert into A/survey A as owner_a: allowed');
select is(tests.attempt('removed_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-014] objects insert into A/survey A as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-015] objects insert into A/survey A as owner_b: refused');
select is(tests.attempt('owner_b', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_b]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-016] objects insert: owner_b cannot upload under A''s survey in B''s folder');
select is(tests.attempt('owner_b', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_b]/[r_b]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-017] objects insert: owner_b cannot upload into A''s folder');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_c]/[r_c]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-018] objects insert: a member of A and C cannot file C''s survey under A''s folder (org/survey pair must match)');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_c]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-019] objects insert: ... nor A''s survey under C''s folder');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a_del]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-020] objects insert: not under a soft-deleted survey');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-021] objects insert: not at the organisation root (no survey folder)');
select is(tests.attempt('member_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '0bad0bad-0000-4000-8000-000000000000.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-022] objects insert: not at the bucket root');
-- The name itself must be ids only, even inside one's own live survey folder (so no object name
-- can carry personal content into logs or the audit trail).
select is(tests.attempt('member_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/jane.doe@example.com.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-049] objects insert: a file name carrying an email is refused, even in one''s own live survey folder');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/interview-1.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-050] objects insert: a file name that is not a uuid is refused');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/a0000000-0000-4000-8000-0000000000b1.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-051] objects insert: a uuid file name without a response folder is refused');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/jane.doe@example.com/a0000000-0000-4000-8000-0000000000b2.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-052] objects insert: a response folder that is not a uuid (here an email) is refused');
select is(tests.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000b3.html')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-053] objects insert: a uuid file name with a non-audio extension is refused');
select is(tests.attempt('member_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000b4.m4a')$$),
  '1 rows',
  '[STO-054] objects insert: a well-shaped name (another audio extension) in one''s own live survey folder is allowed (control)');

-- update: nobody through the API, whatever the folder (restrictive policy).
select is(tests.attempt('anon', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-023] objects update (whole bucket) as anon: 0 rows');
select is(tests.attempt('member_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-024] objects update (whole bucket) as member_a: 0 rows');
select is(tests.attempt('admin_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-025] objects update (whole bucket) as admin_a: 0 rows');
select is(tests.attempt('owner_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-026] objects update (whole bucket) as owner_a: 0 rows');
select is(tests.attempt('removed_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-027] objects update (whole bucket) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-028] objects update (whole bucket) as owner_b: 0 rows');
select is(tests.attempt('owner_a', $$update storage.objects set name = replace(name, '[org_a]', '[org_b]') where name like '[org_a]/[s_a]/%'$$),
  '0 rows',
  '[STO-029] objects update: the owner cannot move an object into another organisation''s folder');

-- delete: a direct DELETE hits Storage's guard; through the Storage API (guard lifted, user's role) RLS still refuses.
select is(tests.attempt('anon', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-030] objects direct delete as anon: refused by the delete guard');
select is(tests.attempt('member_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-031] objects direct delete as member_a: refused by the delete guard');
select is(tests.attempt('admin_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-032] objects direct delete as admin_a: refused by the delete guard');
select is(tests.attempt('owner_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-033] objects direct delete as owner_a: refused by the delete guard');
select is(tests.attempt('removed_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-034] objects direct delete as removed_a: refused by the delete guard');
select is(tests.attempt('owner_b', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-035] objects direct delete as owner_b: refused by the delete guard');
-- What storage-api sets around its own deletes:
do $$ begin perform set_config('storage.allow_delete_query', 'true', true); end $$;
select is(tests.attempt('anon', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-036] objects delete via the Storage API as anon: 0 rows');
select is(tests.attempt('member_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-037] objects delete via the Storage API as member_a: 0 rows');
select is(tests.attempt('admin_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-038] objects delete via the Storage API as admin_a: 0 rows');
select is(tests.attempt('owner_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-039] objects delete via the Storage API as owner_a: 0 rows');
select is(tests.attempt('removed_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-040] objects delete via the Storage API as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-041] objects delete via the Storage API as owner_b: 0 rows');
select is(tests.attempt('service_role', $$delete from storage.objects where name like '[org_c]/%'$$),
  '1 rows',
  '[STO-042] objects delete via the Storage API as service_role (the purge): allowed (control)');
do $$ begin perform set_config('storage.allow_delete_query', '', true); end $$;

-- The bucket itself: clients cannot read it or make it public.
select is(tests.attempt('anon', $$update storage.buckets set public = true where id = 'recordings'$$),
  '0 rows',
  '[STO-043] buckets update (make public) as anon: 0 rows');
select is(tests.attempt('member_a', $$update storage.buckets set public = true where id = 'recordings'$$),
  '0 rows',
  '[STO-044] buckets update (make public) as member_a: 0 rows');
select is(tests.attempt('owner_a', $$update storage.buckets set public = true where id = 'recordings'$$),
  '0 rows',
  '[STO-045] buckets update (make public) as owner_a: 0 rows');

-- As postgres: every object that existed is unchanged, and only the allowed uploads were added.
select set_eq(
  $$select id, bucket_id, name, metadata::text from objects_before
    where name not like (tests.fx('org_c')::text || '/%')
    union all
    select id, bucket_id, name, metadata::text from storage.objects where id not in (select id from objects_before)$$,
  $$select id, bucket_id, name, metadata::text from storage.objects$$,
  '[STO-046] pre-existing objects unchanged (only the purge removed C''s object)');
select set_eq(
  $$select name from storage.objects o where not exists (select 1 from objects_before b where b.id = o.id)$$,
  $$select format('%s/%s/%s/%s', tests.fx('org_a'), tests.fx('s_a'), tests.fx('r_a'), f)
    from unnest(array['a0000000-0000-4000-8000-0000000000a1.webm', 'a0000000-0000-4000-8000-0000000000a2.webm',
      'a0000000-0000-4000-8000-0000000000a3.webm', 'a0000000-0000-4000-8000-0000000000b4.m4a']) f$$,
  '[STO-047] the only new objects are the four allowed uploads');
select is((select public from storage.buckets where id = 'recordings'), false,
  '[STO-048] the recordings bucket is still private');

select * from finish();
rollback;
