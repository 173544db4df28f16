-- Synthetic dataset for `npm run bench`, built set-based as `postgres` (the role migrations and
-- jobs use on a hosted project: no superuser, no session_replication_role, so every foreign key
-- and check constraint is enforced while loading).
--
-- Reads its scale from the session setting bench.scale (1 = 1,000 organisations). Shape, per
-- organisation: 100 surveys; per survey: 3 questions, 10 responses, one recording per response,
-- a transcript for 3 recordings in 10. Of each organisation's surveys, 1 in 4 was soft-deleted
-- 31+ days ago (due for the retention purge) and 1 in 50 a few days ago (in the trash).
-- Users: one owner per organisation; one member per organisation who also belongs to the next
-- two organisations; one extra user who is the only member of an extra organisation holding
-- bench.params.erasure_surveys live surveys (the account erasure benchmark); one member of 50
-- organisations (the RLS benchmark's wide member).
-- Every recording has its object in storage.objects, and every survey folder holds a few stray
-- objects no recording row points at (uploads whose row was never written), as in production.
-- The cascade baseline of the purge: each survey due for the purge has a live twin of the same
-- shape in a twin organisation (bench.twins), deleted by a plain cascading DELETE.
-- Identifiers are md5-derived uuids of row numbers, so children are generated without joins.

set client_min_messages = warning;
set work_mem = '256MB';
set maintenance_work_mem = '1GB';

drop schema if exists bench cascade;
create schema bench;

create table bench.params as
select
  greatest(round(1000 * s)::int, 20) as orgs,
  100 as surveys_per_org,
  3 as questions_per_survey,
  10 as responses_per_survey,
  greatest(round(10000 * s)::int, 500) as erasure_surveys,
  least(greatest(round(1000 * s)::int, 20), 50) as wide_member_orgs,
  2 as strays_per_survey
from (select current_setting('bench.scale')::numeric as s) x;

-- Survey numbers 1..orgs*100 belong to the regular organisations; the next erasure_surveys
-- numbers to organisation orgs+1 (the erasure organisation); the next ones are the twins of the
-- surveys due for the purge (k % 4 = 3), in organisation orgs+2 (the twin organisation), live.
create table bench.survey_map as
with regular as (
  select n,
    case when n <= p.orgs * p.surveys_per_org then (n - 1) / p.surveys_per_org + 1
         else p.orgs + 1 end as org_no,
    case when n <= p.orgs * p.surveys_per_org then (n - 1) % p.surveys_per_org
         else -1 end as k
  from bench.params p,
    generate_series(1, p.orgs * p.surveys_per_org + p.erasure_surveys) n
)
select n, org_no, k, null::bigint as twin_of from regular
union all
select (select max(n) from regular) + row_number() over (order by r.n), p.orgs + 2, -2, r.n
from regular r, bench.params p
where r.org_no <= p.orgs and r.k % 4 = 3;

-- Each survey due for the purge and its twin.
create table bench.twins as
select md5('s' || m.twin_of)::uuid as survey_id, md5('s' || m.n)::uuid as twin_id
from bench.survey_map m where m.twin_of is not null;
create unique index on bench.twins (survey_id);

-- Users: 1..orgs owners, orgs+1..2*orgs members, 2*orgs+1 the user to erase, 2*orgs+2 the wide
-- member.
insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', md5('u' || i)::uuid, 'authenticated',
  'authenticated', 'bench-user-' || i || '@example.test', now(),
  '{"provider":"email","providers":["email"]}', '{}', now(), now()
from bench.params p, generate_series(1, 2 * p.orgs + 2) i;

insert into public.profiles (id, display_name)
select md5('u' || i)::uuid, 'Bench user ' || i
from bench.params p, generate_series(1, 2 * p.orgs + 2) i;

insert into public.organizations (id, name, created_by, created_at)
select md5('o' || i)::uuid, 'Bench organisation ' || i,
  md5('u' || case when i <= p.orgs then i when i = p.orgs + 1 then 2 * p.orgs + 1 else 1 end)::uuid,
  now() - interval '400 days'
from bench.params p, generate_series(1, p.orgs + 2) i;

insert into public.memberships (org_id, user_id, role, created_at)
select md5('o' || i)::uuid, md5('u' || i)::uuid, 'owner', now() - interval '400 days'
from bench.params p, generate_series(1, p.orgs) i
union all
select md5('o' || ((j - 1 + d) % p.orgs + 1))::uuid, md5('u' || (p.orgs + j))::uuid,
  case when d = 0 then 'admin' else 'member' end::public.org_role, now() - interval '300 days'
from bench.params p, generate_series(1, p.orgs) j, generate_series(0, 2) d
union all
select md5('o' || (p.orgs + 1))::uuid, md5('u' || (2 * p.orgs + 1))::uuid, 'owner',
  now() - interval '400 days'
from bench.params p
union all
-- The wide member: organisations spread over the whole range, each with trashed surveys.
select md5('o' || (1 + (w * p.orgs) / p.wide_member_orgs))::uuid, md5('u' || (2 * p.orgs + 2))::uuid,
  'member', now() - interval '300 days'
from bench.params p, generate_series(0, p.wide_member_orgs - 1) w;

insert into public.surveys (id, org_id, title, slug, created_by, created_at, updated_at,
  deleted_at, deleted_by)
select md5('s' || m.n)::uuid, md5('o' || m.org_no)::uuid, 'Bench survey ' || m.n, 's-' || m.n,
  md5('u' || case when m.org_no <= p.orgs then m.org_no
    when m.org_no = p.orgs + 1 then 2 * p.orgs + 1 else 1 end)::uuid,
  now() - interval '200 days' + m.n * interval '1 second',
  now() - interval '200 days' + m.n * interval '1 second',
  case
    when m.k % 4 = 3 then now() - interval '31 days' - (m.n % 997) * interval '1 minute'
    when m.k % 50 = 1 then now() - interval '5 days'
  end,
  case
    when m.k % 4 = 3 or m.k % 50 = 1
    then md5('u' || case when m.org_no <= p.orgs then m.org_no else 2 * p.orgs + 1 end)::uuid
  end
from bench.survey_map m, bench.params p;

insert into public.questions (id, org_id, survey_id, position, prompt, created_at)
select md5('q' || ((m.n - 1) * p.questions_per_survey + q))::uuid, md5('o' || m.org_no)::uuid,
  md5('s' || m.n)::uuid, q, 'Tell us about point ' || q, now() - interval '200 days'
from bench.survey_map m, bench.params p, generate_series(0, p.questions_per_survey - 1) q;

insert into public.responses (id, org_id, survey_id, respondent_ref, started_at, completed_at)
select md5('r' || ((m.n - 1) * p.responses_per_survey + j))::uuid, md5('o' || m.org_no)::uuid,
  md5('s' || m.n)::uuid, 'ref-' || ((m.n - 1) * p.responses_per_survey + j),
  now() - interval '100 days' + ((m.n - 1) * p.responses_per_survey + j) * interval '1 second',
  now() - interval '100 days' + ((m.n - 1) * p.responses_per_survey + j + 60) * interval '1 second'
from bench.survey_map m, bench.params p, generate_series(0, p.responses_per_survey - 1) j;

insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
  duration_ms, size_bytes, mime_type, created_by, created_at)
select x.rec_id, x.org_id, x.survey_id, x.response_id, x.question_id,
  x.org_id || '/' || x.survey_id || '/' || x.response_id || '/' || x.rec_id || '.webm',
  30000 + x.rn % 90000, 240000 + x.rn % 720000, 'audio/webm', null,
  now() - interval '100 days'
from (
  select md5('c' || rn)::uuid as rec_id, md5('o' || m.org_no)::uuid as org_id,
    md5('s' || m.n)::uuid as survey_id, md5('r' || rn)::uuid as response_id,
    md5('q' || ((m.n - 1) * p.questions_per_survey + j % p.questions_per_survey))::uuid
      as question_id,
    rn
  from bench.survey_map m, bench.params p,
    generate_series(0, p.responses_per_survey - 1) j,
    lateral (select (m.n - 1) * p.responses_per_survey + j as rn) r
) x;

insert into public.transcripts (org_id, survey_id, recording_id, body)
select md5('o' || m.org_no)::uuid, md5('s' || m.n)::uuid,
  md5('c' || ((m.n - 1) * p.responses_per_survey + j))::uuid,
  'A short synthetic transcript of about a hundred characters, standing in for the real text.'
from bench.survey_map m, bench.params p, generate_series(0, 2) j;

-- Storage as in production: an object per recording (twins excepted: the cascade baseline never
-- reads Storage) and strays_per_survey objects per survey folder that no recording points at.
insert into storage.objects (bucket_id, name, owner_id, metadata)
select 'recordings', r.object_path, null, '{"size":240000,"mimetype":"audio/webm"}'
from public.recordings r
where r.org_id <> (select md5('o' || (p.orgs + 2))::uuid from bench.params p);
insert into storage.objects (bucket_id, name, owner_id, metadata)
select 'recordings',
  md5('o' || m.org_no)::uuid || '/' || md5('s' || m.n)::uuid || '/' || md5('sr' || m.n || '.' || j)::uuid
    || '/' || md5('so' || m.n || '.' || j)::uuid || '.webm',
  null, '{"size":240000,"mimetype":"audio/webm"}'
from bench.survey_map m, bench.params p, generate_series(1, p.strays_per_survey) j
where m.twin_of is null;

-- The retention purge's raw baseline: the same rows in shadow tables with the same columns and
-- indexes, but no foreign keys, triggers, checks or RLS (twins left out).
create table bench.surveys (like public.surveys including defaults including indexes);
create table bench.questions (like public.questions including defaults including indexes);
create table bench.responses (like public.responses including defaults including indexes);
create table bench.recordings (like public.recordings including defaults including indexes);
create table bench.transcripts (like public.transcripts including defaults including indexes);
insert into bench.surveys select * from public.surveys where id not in (select twin_id from bench.twins);
insert into bench.questions select x.* from public.questions x join bench.surveys s on s.id = x.survey_id;
insert into bench.responses select x.* from public.responses x join bench.surveys s on s.id = x.survey_id;
insert into bench.recordings select x.* from public.recordings x join bench.surveys s on s.id = x.survey_id;
insert into bench.transcripts select x.* from public.transcripts x join bench.surveys s on s.id = x.survey_id;

-- Plain DELETE of the same surveys, children first, by the same keys as the purge.
create function bench.raw_delete(p_ids uuid[])
returns bigint
language plpgsql
as $$
declare
  v_n bigint;
begin
  delete from bench.transcripts t using bench.surveys s
  where s.id = any(p_ids) and t.org_id = s.org_id and t.survey_id = s.id;
  delete from bench.recordings r using bench.surveys s
  where s.id = any(p_ids) and r.org_id = s.org_id and r.survey_id = s.id;
  delete from bench.responses r using bench.surveys s
  where s.id = any(p_ids) and r.org_id = s.org_id and r.survey_id = s.id;
  delete from bench.questions q using bench.surveys s
  where s.id = any(p_ids) and q.org_id = s.org_id and q.survey_id = s.id;
  delete from bench.surveys s where s.id = any(p_ids);
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;

-- The audit benchmark's baseline: private.hard_delete_surveys exactly as migrated, minus its
-- audit call (derived from the live definition, so it follows changes to the migration).
do $$
declare
  v_def text := pg_get_functiondef('private.hard_delete_surveys(uuid[], text, text, uuid)'::regprocedure);
  v_new text;
begin
  -- The audit call is the one `perform audit.record_events(...);` statement.
  v_new := regexp_replace(v_def, 'perform audit\.record_events\(.*?\);', '-- (audit removed)');
  if v_new = v_def or v_new ~ 'audit\.record_event' then
    raise exception 'bench: cannot derive an audit-free copy of private.hard_delete_surveys';
  end if;
  v_new := replace(v_new, 'FUNCTION private.hard_delete_surveys(',
    'FUNCTION bench.hard_delete_surveys_noaudit(');
  execute v_new;
end;
$$;

vacuum (analyze) storage.objects;
vacuum (analyze) public.surveys, public.questions, public.responses, public.recordings,
  public.transcripts, public.memberships, public.organizations, public.profiles;
vacuum (analyze) bench.surveys, bench.questions, bench.responses, bench.recordings,
  bench.transcripts, bench.survey_map, bench.twins;
analyze auth.users;
