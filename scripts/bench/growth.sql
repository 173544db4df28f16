-- Dataset of the purge growth benchmark (`purge_ms_per_survey_growth`), loaded after the main
-- benchmarks by scripts/bench/main.ts: bench.params.growth_surveys surveys (100,000 at scale 1) of
-- the usual shape (3 questions, 10 responses and recordings, 3 transcripts), spread over the
-- regular organisations' range in 100 growth organisations, all in the trash but not due yet
-- (deleted 5 days ago). The benchmark makes some of them due by moving deleted_at back. No
-- Storage objects: what the growth figure measures is how a purge batch depends on the number of
-- due surveys, which the objects' count does not change (the main purge figures include them).

set client_min_messages = warning;
set work_mem = '256MB';

-- Run again on the same dataset (npm run bench -- --no-reset --skip-build --only growth), it
-- first removes what the previous run left: the same numbers give the same ids.
do $$
begin
  if to_regclass('bench.growth_map') is not null then
    delete from public.surveys s using bench.growth_map m where s.id = md5('s' || m.n)::uuid;
    drop table bench.growth_map;
  end if;
end;
$$;
delete from public.organizations o
where o.id in (select md5('go' || i)::uuid from generate_series(1, 100) i);

alter table bench.params add column if not exists growth_surveys int;
update bench.params set growth_surveys = greatest(round(100000 * current_setting('bench.scale')::numeric)::int, 2000);

create table bench.growth_map as
select (select max(n) from bench.survey_map) + g as n, g
from bench.params p, generate_series(1, p.growth_surveys) g;

insert into public.organizations (id, name, created_by, created_at)
select md5('go' || i)::uuid, 'Bench growth organisation ' || i, md5('u1')::uuid,
  now() - interval '400 days'
from generate_series(1, 100) i;

insert into public.surveys (id, org_id, title, slug, created_by, created_at, updated_at,
  deleted_at, deleted_by)
select md5('s' || m.n)::uuid, md5('go' || (m.g % 100 + 1))::uuid, 'Bench growth survey ' || m.n,
  's-' || m.n, null, now() - interval '200 days', now() - interval '200 days',
  now() - interval '5 days' - (m.n % 997) * interval '1 minute', null
from bench.growth_map m;

insert into public.questions (id, org_id, survey_id, position, prompt, created_at)
select md5('q' || ((m.n - 1) * 3 + q))::uuid, md5('go' || (m.g % 100 + 1))::uuid,
  md5('s' || m.n)::uuid, q, 'Tell us about point ' || q, now() - interval '200 days'
from bench.growth_map m, generate_series(0, 2) q;

insert into public.responses (id, org_id, survey_id, respondent_ref, started_at, completed_at)
select md5('r' || ((m.n - 1) * 10 + j))::uuid, md5('go' || (m.g % 100 + 1))::uuid,
  md5('s' || m.n)::uuid, 'ref-' || ((m.n - 1) * 10 + j), now() - interval '100 days',
  now() - interval '100 days'
from bench.growth_map m, generate_series(0, 9) j;

insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
  duration_ms, size_bytes, mime_type, created_by, created_at)
select x.rec_id, x.org_id, x.survey_id, x.response_id, x.question_id,
  x.org_id || '/' || x.survey_id || '/' || x.response_id || '/' || x.rec_id || '.webm',
  30000, 240000, 'audio/webm', null, now() - interval '100 days'
from (
  select md5('c' || ((m.n - 1) * 10 + j))::uuid as rec_id, md5('go' || (m.g % 100 + 1))::uuid as org_id,
    md5('s' || m.n)::uuid as survey_id, md5('r' || ((m.n - 1) * 10 + j))::uuid as response_id,
    md5('q' || ((m.n - 1) * 3 + j % 3))::uuid as question_id
  from bench.growth_map m, generate_series(0, 9) j
) x;

insert into public.transcripts (org_id, survey_id, recording_id, body)
select md5('go' || (m.g % 100 + 1))::uuid, md5('s' || m.n)::uuid,
  md5('c' || ((m.n - 1) * 10 + j))::uuid,
  'A short synthetic transcript of about a hundred characters, standing in for the real text.'
from bench.growth_map m, generate_series(0, 2) j;

vacuum (analyze) public.surveys, public.questions, public.responses, public.recordings,
  public.transcripts;
