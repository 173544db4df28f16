-- 03 Storage isolation: objects of bucket `recordings`, for every operation, as anon, as
-- owner/admin/member/removed member of org A and as owner of org B. Authenticated users read
-- and upload only inside <org_id>/<live survey_id>/ of their own organisations (the pair must
-- belong together); nobody updates or deletes through the API (restrictive policies), and a
-- direct DELETE is stopped by Storage's guard. Cells as in 02: 'SQLSTATE: message' or 'N rows'.
begin;
select plan(48);
-- ---------------------------------------------------------------------------------------------
-- Fixtures (fixed ids, written as postgres). Org A: owner, admin, member, a removed member;
-- org B: owner and member (the attackers next door); org C: a second org of A's owner, so
-- that RLS passes and the trigger / composite foreign keys are the guard being tested.
-- Identical in every 02_isolation_matrix_* file and 03/04.
-- ---------------------------------------------------------------------------------------------
create temp table fx (key text primary key, id uuid not null unique);
insert into fx values
  ('owner_a',   '10000000-0000-4000-8000-00000000a001'),
  ('admin_a',   '10000000-0000-4000-8000-00000000a002'),
  ('member_a',  '10000000-0000-4000-8000-00000000a003'),
  ('removed_a', '10000000-0000-4000-8000-00000000a004'),
  ('owner_b',   '10000000-0000-4000-8000-00000000b001'),
  ('member_b',  '10000000-0000-4000-8000-00000000b003'),
  ('fresh',     '10000000-0000-4000-8000-00000000f001'),
  ('org_a',     '20000000-0000-4000-8000-00000000000a'),
  ('org_b',     '20000000-0000-4000-8000-00000000000b'),
  ('org_c',     '20000000-0000-4000-8000-00000000000c'),
  ('s_a',       '30000000-0000-4000-8000-00000000a001'),
  ('s_a2',      '30000000-0000-4000-8000-00000000a002'),
  ('s_a_del',   '30000000-0000-4000-8000-00000000a0de'),
  ('s_b',       '30000000-0000-4000-8000-00000000b001'),
  ('s_c',       '30000000-0000-4000-8000-00000000c001'),
  ('q_a',       '40000000-0000-4000-8000-00000000a001'),
  ('q_b',       '40000000-0000-4000-8000-00000000b001'),
  ('q_c',       '40000000-0000-4000-8000-00000000c001'),
  ('r_a',       '50000000-0000-4000-8000-00000000a001'),
  ('r_b',       '50000000-0000-4000-8000-00000000b001'),
  ('r_c',       '50000000-0000-4000-8000-00000000c001'),
  ('rec_a1',    '60000000-0000-4000-8000-00000000a001'),
  ('rec_a2',    '60000000-0000-4000-8000-00000000a002'),
  ('rec_a3',    '60000000-0000-4000-8000-00000000a003'),
  ('rec_b',     '60000000-0000-4000-8000-00000000b001'),
  ('rec_c',     '60000000-0000-4000-8000-00000000c001'),
  ('t_a',       '70000000-0000-4000-8000-00000000a001'),
  ('t_b',       '70000000-0000-4000-8000-00000000b001');
grant select on fx to public;

create function pg_temp.fx(p_key text) returns uuid language sql stable
as $$ select id from fx where key = p_key $$;

do $$
declare
  u text;
begin
  foreach u in array array['owner_a', 'admin_a', 'member_a', 'removed_a', 'owner_b', 'member_b', 'fresh']
  loop
    perform tests.create_user(pg_temp.fx(u), u || '@example.test');
    if u <> 'fresh' then
      insert into public.profiles (id, display_name) values (pg_temp.fx(u), 'Profile ' || u);
    end if;
  end loop;

  insert into public.organizations (id, name, created_by) values
    (pg_temp.fx('org_a'), 'Org A', pg_temp.fx('owner_a')),
    (pg_temp.fx('org_b'), 'Org B', pg_temp.fx('owner_b')),
    (pg_temp.fx('org_c'), 'Org C', pg_temp.fx('owner_a'));
  insert into public.memberships (org_id, user_id, role) values
    (pg_temp.fx('org_a'), pg_temp.fx('owner_a'), 'owner'),
    (pg_temp.fx('org_a'), pg_temp.fx('admin_a'), 'admin'),
    (pg_temp.fx('org_a'), pg_temp.fx('member_a'), 'member'),
    (pg_temp.fx('org_a'), pg_temp.fx('removed_a'), 'member'),
    (pg_temp.fx('org_b'), pg_temp.fx('owner_b'), 'owner'),
    (pg_temp.fx('org_b'), pg_temp.fx('member_b'), 'member'),
    (pg_temp.fx('org_c'), pg_temp.fx('owner_a'), 'owner');
  -- removed_a was a member of A until just now.
  delete from public.memberships
  where org_id = pg_temp.fx('org_a') and user_id = pg_temp.fx('removed_a');

  insert into public.surveys (id, org_id, title, slug, created_by) values
    (pg_temp.fx('s_a'), pg_temp.fx('org_a'), 'Survey A', 'survey-a', pg_temp.fx('owner_a')),
    (pg_temp.fx('s_a2'), pg_temp.fx('org_a'), 'Survey A2', 'survey-a2', pg_temp.fx('owner_a')),
    (pg_temp.fx('s_b'), pg_temp.fx('org_b'), 'Survey B', 'survey-b', pg_temp.fx('owner_b')),
    (pg_temp.fx('s_c'), pg_temp.fx('org_c'), 'Survey C', 'survey-c', pg_temp.fx('owner_a'));
  insert into public.surveys (id, org_id, title, slug, created_by, deleted_at, deleted_by) values
    (pg_temp.fx('s_a_del'), pg_temp.fx('org_a'), 'Survey A deleted', 'survey-a-deleted',
     pg_temp.fx('owner_a'), now() - interval '1 day', pg_temp.fx('owner_a'));

  insert into public.questions (id, org_id, survey_id, position, prompt) values
    (pg_temp.fx('q_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), 1, 'Question A'),
    (pg_temp.fx('q_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), 1, 'Question B'),
    (pg_temp.fx('q_c'), pg_temp.fx('org_c'), pg_temp.fx('s_c'), 1, 'Question C');
  insert into public.responses (id, org_id, survey_id, respondent_ref) values
    (pg_temp.fx('r_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), 'ref-a'),
    (pg_temp.fx('r_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), 'ref-b'),
    (pg_temp.fx('r_c'), pg_temp.fx('org_c'), pg_temp.fx('s_c'), 'ref-c');
  insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
    duration_ms, size_bytes, mime_type)
  select pg_temp.fx(v.rec), pg_temp.fx(v.org), pg_temp.fx(v.s), pg_temp.fx(v.r), pg_temp.fx(v.q),
    format('%s/%s/%s/%s.webm', pg_temp.fx(v.org), pg_temp.fx(v.s), pg_temp.fx(v.r), v.rec),
    1000, 2048, 'audio/webm'
  from (values ('rec_a1', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_a2', 'org_a', 's_a', 'r_a', 'q_a'),
    ('rec_a3', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_b', 'org_b', 's_b', 'r_b', 'q_b'),
    ('rec_c', 'org_c', 's_c', 'r_c', 'q_c')) v(rec, org, s, r, q);
  insert into public.transcripts (id, org_id, survey_id, recording_id, body) values
    (pg_temp.fx('t_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('rec_a1'), 'Transcript A'),
    (pg_temp.fx('t_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), pg_temp.fx('rec_b'), 'Transcript B');

  -- One audit event in B's chain (A already has one: removed_a's membership removal).
  perform audit.record_event('survey.soft_deleted', pg_temp.fx('org_b'), 'public.surveys',
    pg_temp.fx('s_b')::text, 'user_request', '{}', p_actor_id => pg_temp.fx('owner_b'));
end;
$$;

-- The SQL of a cell, with {key} replaced by the fixture's uuid literal and [key] by its bare
-- text (for use inside string literals such as object paths).
create function pg_temp.cell_sql(p_sql text) returns text language plpgsql stable
as $$
declare
  r record;
  v text := p_sql;
begin
  for r in select key, id from fx order by length(key) desc loop
    v := replace(v, '{' || r.key || '}', format('%L::uuid', r.id));
    v := replace(v, '[' || r.key || ']', r.id::text);
  end loop;
  if v ~ '[{\[][a-z_0-9]+[}\]]' then
    raise exception 'unknown fixture in %', v;
  end if;
  return v;
end;
$$;

-- Runs one cell of the matrix as `p_who` (anon, service_role, or a fixture user) exactly as PostgREST would,
-- and reports what happened: 'N rows' (rows read, or rows affected by a write) or
-- 'SQLSTATE: message'. Back to postgres afterwards. A write that succeeds stays written.
create function pg_temp.attempt(p_who text, p_sql text) returns text language plpgsql
as $$
declare
  v_sql text := pg_temp.cell_sql(p_sql);
  v_user uuid := pg_temp.fx(p_who);
  v_n bigint;
  v_out text;
begin
  if p_who = 'anon' then
    perform tests.authenticate_as_anon();
  elsif p_who = 'service_role' then
    perform tests.authenticate_as_service_role();
  elsif v_user is null then
    raise exception 'unknown identity %', p_who;
  else
    perform tests.authenticate_as(v_user);
  end if;
  begin
    if v_sql ~* '^\s*(select|with|table)\s' then
      execute 'select count(*) from (' || v_sql || ') as cell' into v_n;
    else
      execute v_sql;
      get diagnostics v_n = row_count;
    end if;
    v_out := v_n || ' rows';
  exception when others then
    v_out := sqlstate || ': ' || sqlerrm;
  end;
  perform tests.clear_authentication();
  return v_out;
end;
$$;

-- Objects as the Storage API would have created them (as postgres, bypassing RLS).
do $$ begin
  perform tests.create_object('recordings', format('%s/%s/%s/a.webm', pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('r_a')));
  perform tests.create_object('recordings', format('%s/%s/x/deleted.webm', pg_temp.fx('org_a'), pg_temp.fx('s_a_del')));
  perform tests.create_object('recordings', format('%s/%s/%s/b.webm', pg_temp.fx('org_b'), pg_temp.fx('s_b'), pg_temp.fx('r_b')));
  perform tests.create_object('recordings', format('%s/%s/%s/c.webm', pg_temp.fx('org_c'), pg_temp.fx('s_c'), pg_temp.fx('r_c')));
  perform tests.create_object('recordings', 'not-a-uuid/also-not/file.webm');
end $$;
create temp table objects_before as select id, bucket_id, name, metadata from storage.objects;


-- select: only inside <org>/<live survey>/ of one's own organisations.
select is(pg_temp.attempt('anon', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '0 rows',
  '[STO-001] objects select (org A folder) as anon: 0 rows');
select is(pg_temp.attempt('member_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '1 rows',
  '[STO-002] objects select (org A folder) as member_a: 1 rows (only the live survey''s object)');
select is(pg_temp.attempt('admin_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '1 rows',
  '[STO-003] objects select (org A folder) as admin_a: 1 rows (only the live survey''s object)');
select is(pg_temp.attempt('owner_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '1 rows',
  '[STO-004] objects select (org A folder) as owner_a: 1 rows (only the live survey''s object)');
select is(pg_temp.attempt('removed_a', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '0 rows',
  '[STO-005] objects select (org A folder) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_a]/%'$$),
  '0 rows',
  '[STO-006] objects select (org A folder) as owner_b: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from storage.objects where bucket_id = 'recordings' and name like '[org_b]/%'$$),
  '1 rows',
  '[STO-007] objects select: owner_b reads B''s object (control)');
select is(pg_temp.attempt('owner_a', $$select 1 from storage.objects where name like '[org_a]/[s_a_del]/%'$$),
  '0 rows',
  '[STO-008] objects select: objects of a soft-deleted survey are hidden from the owner');
select is(pg_temp.attempt('member_a', $$select 1 from storage.objects where name like 'not-a-uuid/%'$$),
  '0 rows',
  '[STO-009] objects select: a malformed name is simply not visible (no cast error)');

-- insert (upload): members of the organisation, into a live survey of that same organisation.
select is(pg_temp.attempt('anon', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/upload-anon.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-010] objects insert into A/survey A as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/upload-member_a.webm')$$),
  '1 rows',
  '[STO-011] objects insert into A/survey A as member_a: allowed');
select is(pg_temp.attempt('admin_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/upload-admin_a.webm')$$),
  '1 rows',
  '[STO-012] objects insert into A/survey A as admin_a: allowed');
select is(pg_temp.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/upload-owner_a.webm')$$),
  '1 rows',
  '[STO-013] objects insert into A/survey A as owner_a: allowed');
select is(pg_temp.attempt('removed_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/upload-removed_a.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-014] objects insert into A/survey A as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a]/[r_a]/upload-owner_b.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-015] objects insert into A/survey A as owner_b: refused');
select is(pg_temp.attempt('owner_b', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_b]/[s_a]/[r_a]/pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-016] objects insert: owner_b cannot upload under A''s survey in B''s folder');
select is(pg_temp.attempt('owner_b', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_b]/[r_b]/pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-017] objects insert: owner_b cannot upload into A''s folder');
select is(pg_temp.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_c]/[r_c]/pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-018] objects insert: a member of A and C cannot file C''s survey under A''s folder (org/survey pair must match)');
select is(pg_temp.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_c]/[s_a]/[r_a]/pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-019] objects insert: ... nor A''s survey under C''s folder');
select is(pg_temp.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/[s_a_del]/x/pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-020] objects insert: not under a soft-deleted survey');
select is(pg_temp.attempt('owner_a', $$insert into storage.objects (bucket_id, name) values ('recordings', '[org_a]/pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-021] objects insert: not at the organisation root (no survey folder)');
select is(pg_temp.attempt('member_a', $$insert into storage.objects (bucket_id, name) values ('recordings', 'pwned.webm')$$),
  '42501: new row violates row-level security policy for table "objects"',
  '[STO-022] objects insert: not at the bucket root');

-- update: nobody through the API, whatever the folder (restrictive policy).
select is(pg_temp.attempt('anon', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-023] objects update (whole bucket) as anon: 0 rows');
select is(pg_temp.attempt('member_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-024] objects update (whole bucket) as member_a: 0 rows');
select is(pg_temp.attempt('admin_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-025] objects update (whole bucket) as admin_a: 0 rows');
select is(pg_temp.attempt('owner_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-026] objects update (whole bucket) as owner_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-027] objects update (whole bucket) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$update storage.objects set name = name || '.pwned', metadata = '{}' where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-028] objects update (whole bucket) as owner_b: 0 rows');
select is(pg_temp.attempt('owner_a', $$update storage.objects set name = replace(name, '[org_a]', '[org_b]') where name like '[org_a]/[s_a]/%'$$),
  '0 rows',
  '[STO-029] objects update: the owner cannot move an object into another organisation''s folder');

-- delete: a direct DELETE hits Storage's guard; through the Storage API (guard lifted, user's role) RLS still refuses.
select is(pg_temp.attempt('anon', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-030] objects direct delete as anon: refused by the delete guard');
select is(pg_temp.attempt('member_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-031] objects direct delete as member_a: refused by the delete guard');
select is(pg_temp.attempt('admin_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-032] objects direct delete as admin_a: refused by the delete guard');
select is(pg_temp.attempt('owner_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-033] objects direct delete as owner_a: refused by the delete guard');
select is(pg_temp.attempt('removed_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-034] objects direct delete as removed_a: refused by the delete guard');
select is(pg_temp.attempt('owner_b', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '42501: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[STO-035] objects direct delete as owner_b: refused by the delete guard');
-- What storage-api sets around its own deletes:
do $$ begin perform set_config('storage.allow_delete_query', 'true', true); end $$;
select is(pg_temp.attempt('anon', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-036] objects delete via the Storage API as anon: 0 rows');
select is(pg_temp.attempt('member_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-037] objects delete via the Storage API as member_a: 0 rows');
select is(pg_temp.attempt('admin_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-038] objects delete via the Storage API as admin_a: 0 rows');
select is(pg_temp.attempt('owner_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-039] objects delete via the Storage API as owner_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-040] objects delete via the Storage API as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$delete from storage.objects where bucket_id = 'recordings'$$),
  '0 rows',
  '[STO-041] objects delete via the Storage API as owner_b: 0 rows');
select is(pg_temp.attempt('service_role', $$delete from storage.objects where name like '[org_c]/%'$$),
  '1 rows',
  '[STO-042] objects delete via the Storage API as service_role (the purge): allowed (control)');
do $$ begin perform set_config('storage.allow_delete_query', '', true); end $$;

-- The bucket itself: clients cannot read it or make it public.
select is(pg_temp.attempt('anon', $$update storage.buckets set public = true where id = 'recordings'$$),
  '0 rows',
  '[STO-043] buckets update (make public) as anon: 0 rows');
select is(pg_temp.attempt('member_a', $$update storage.buckets set public = true where id = 'recordings'$$),
  '0 rows',
  '[STO-044] buckets update (make public) as member_a: 0 rows');
select is(pg_temp.attempt('owner_a', $$update storage.buckets set public = true where id = 'recordings'$$),
  '0 rows',
  '[STO-045] buckets update (make public) as owner_a: 0 rows');

-- As postgres: every object that existed is unchanged, and only the allowed uploads were added.
select set_eq(
  $$select id, bucket_id, name, metadata::text from objects_before
    where name not like (pg_temp.fx('org_c')::text || '/%')
    union all
    select id, bucket_id, name, metadata::text from storage.objects where id not in (select id from objects_before)$$,
  $$select id, bucket_id, name, metadata::text from storage.objects$$,
  '[STO-046] pre-existing objects unchanged (only the purge removed C''s object)');
select set_eq(
  $$select name from storage.objects o where not exists (select 1 from objects_before b where b.id = o.id)$$,
  $$select format('%s/%s/%s/upload-%s.webm', pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('r_a'), w)
    from unnest(array['member_a', 'admin_a', 'owner_a']) w$$,
  '[STO-047] the only new objects are the three allowed uploads');
select is((select public from storage.buckets where id = 'recordings'), false,
  '[STO-048] the recordings bucket is still private');

select * from finish();
rollback;
