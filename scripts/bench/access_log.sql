-- The recording access log of `npm run bench` (scripts/bench/broker.ts): bench.access_log_rows
-- grants (10,000,000 at scale 1) spread over the last 395 days, by every bench user, in the
-- organisations, surveys, responses and recordings of the dataset. Run as the superuser: the log
-- takes rows only from the broker (audit.log_recording_access) for every other role.
set client_min_messages = warning;
set work_mem = '256MB';
set maintenance_work_mem = '1GB';

insert into audit.recording_access (accessed_at, user_id, org_id, survey_id, response_id,
  recording_id, object_name, access_path, request_id)
select now() - (g % 395) * interval '1 day' - (g % 86399) * interval '1 second',
  md5('u' || (1 + g % (2 * p.orgs + 1)))::uuid,
  md5('o' || (1 + g % p.orgs))::uuid,
  md5('s' || (1 + g % (p.orgs * p.surveys_per_org)))::uuid,
  md5('r' || g)::uuid,
  md5('c' || g)::uuid,
  md5('o' || (1 + g % p.orgs))::uuid || '/' || md5('s' || (1 + g % (p.orgs * p.surveys_per_org)))::uuid
    || '/' || md5('r' || g)::uuid || '/' || md5('c' || g)::uuid || '.webm',
  case g % 10 when 0 then 'playlist' when 1 then 'upload' else 'single' end,
  'tx:' || g
from bench.params p,
  generate_series(1, round(10000000 * current_setting('bench.scale')::numeric)::bigint) g;
analyze audit.recording_access;
