-- GoTrue's log and account erasure, side by side on one log: the one statement the erasure's
-- last step ran before 20261210001000 (every row read, in one transaction) against the chunked
-- step erase_auth_log (private.account_erasure_auth_log_blocks() blocks a call) and erase_user's
-- final pass over what was written since the scan began. See docs/BENCHMARKS.md.
--
-- psql -v rows=500000 -f scripts/bench/auth_log_erasure.sql "$DB_URL"   (as the superuser)
-- Everything runs in one transaction that is rolled back: the log is left as it was (a vacuum
-- before and after trims the relation). Prints one row of figures.
\if :{?rows}
\else
  \set rows 500000
\endif
\set ON_ERROR_STOP on
set client_min_messages = warning;
-- Leftovers of an earlier run (its rolled-back rows) end the relation: gone, the blocks counted
-- are the log's.
vacuum auth.audit_log_entries;
begin;
select set_config('bench.rows', :'rows', true);
select set_config('bench.user', gen_random_uuid()::text, true);

-- GoTrue's shapes: mostly token refreshes, some logins and recovery requests by email, 20 of
-- them the erased account's (by id and by email), spread over the whole log; written over the
-- last 90 days, so the final pass's time filter passes none of them.
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select '00000000-0000-0000-0000-000000000000', gen_random_uuid(),
  case
    when g % (current_setting('bench.rows')::int / 20) = 0 then json_build_object(
      'action', 'login', 'actor_id', current_setting('bench.user'),
      'actor_username', 'erased@example.test', 'log_type', 'account',
      'traits', json_build_object('provider', 'email'))
    when g % 10 = 0 then json_build_object(
      'action', 'user_recovery_requested', 'actor_id', md5('a' || g % 5000)::uuid,
      'actor_username', 'user' || g % 5000 || '@example.test', 'log_type', 'user')
    else json_build_object(
      'action', 'token_refreshed', 'actor_id', md5('a' || g % 5000)::uuid,
      'actor_username', 'user' || g % 5000 || '@example.test', 'actor_via_sso', false,
      'log_type', 'token')
  end,
  now() - interval '5 minutes' - (g % 7776000) * interval '1 second',
  '203.0.113.' || (g % 250)
from generate_series(1, current_setting('bench.rows')::int) g;
analyze auth.audit_log_entries;

create temporary table bench_hashes on commit drop as
  select array[encode(sha256(convert_to('erased@example.test', 'UTF8')), 'hex')] as hashes;
create temporary table bench_calls (kind text, ms numeric, deleted bigint) on commit drop;

-- Before: the one statement (20261210000600's erase_user), undone (a block's exception) to read
-- the same log after.
do $$
declare
  v_user uuid := current_setting('bench.user')::uuid;
  v_hashes text[] := (select hashes from bench_hashes);
  v_t timestamptz := clock_timestamp();
  v_ms numeric;
  v_n bigint;
begin
  begin
    delete from auth.audit_log_entries a
    where strpos(a.payload::text, v_user::text) > 0
       or exists (
         select 1
         from jsonb_path_query(a.payload::jsonb, 'strict $.**') as v(value)
         cross join lateral (
           select encode(sha256(convert_to(lower(v.value #>> '{}'), 'UTF8')), 'hex')) as x(hash)
         where jsonb_typeof(v.value) = 'string'
           and (x.hash = any (v_hashes)
             or exists (
               select 1 from private.account_identifier_windows f
               where f.user_id = v_user and f.identifier_hash = x.hash
                 and (a.created_at is null or a.created_at between f.held_from and f.left_at))));
    get diagnostics v_n = row_count;
    v_ms := extract(epoch from clock_timestamp() - v_t) * 1000;
    raise exception 'undo' using errcode = 'P0001';
  exception when raise_exception then
    insert into pg_temp.bench_calls values ('one_statement', v_ms, v_n);
  end;
end;
$$;

-- After: erase_auth_log's chunks, then erase_user's final pass.
do $$
declare
  v_user uuid := current_setting('bench.user')::uuid;
  v_hashes text[] := (select hashes from bench_hashes);
  v_until bigint := pg_relation_size('auth.audit_log_entries')
    / current_setting('block_size')::bigint;
  v_since timestamptz := clock_timestamp() - interval '5 minutes';
  v_from bigint := 0;
  v_to bigint;
  v_t timestamptz;
  v_n bigint;
begin
  while v_from < v_until loop
    v_to := least(v_from + private.account_erasure_auth_log_blocks(), v_until);
    v_t := clock_timestamp();
    v_n := private.account_erasure_delete_auth_log(v_user, v_hashes, v_from, v_to);
    insert into pg_temp.bench_calls
    values ('chunk', extract(epoch from clock_timestamp() - v_t) * 1000, v_n);
    v_from := v_to;
  end loop;
  v_t := clock_timestamp();
  v_n := private.account_erasure_delete_auth_log(v_user, v_hashes, p_written_since => v_since);
  insert into pg_temp.bench_calls
  values ('final_pass', extract(epoch from clock_timestamp() - v_t) * 1000, v_n);
end;
$$;

select current_setting('bench.rows')::int as rows,
  pg_relation_size('auth.audit_log_entries') / current_setting('block_size')::int as blocks,
  round(current_setting('bench.rows')::numeric
    / (pg_relation_size('auth.audit_log_entries') / current_setting('block_size')::int), 1)
    as rows_per_block,
  private.account_erasure_auth_log_blocks() as blocks_per_call,
  (select round(ms) from bench_calls where kind = 'one_statement') as one_statement_ms,
  (select deleted from bench_calls where kind = 'one_statement') as one_statement_deleted,
  (select count(*) from bench_calls where kind = 'chunk') as chunks,
  (select round(percentile_cont(0.5) within group (order by ms)) from bench_calls
   where kind = 'chunk') as chunk_median_ms,
  (select round(max(ms)) from bench_calls where kind = 'chunk') as chunk_max_ms,
  (select round(sum(ms)) from bench_calls where kind = 'chunk') as chunks_total_ms,
  (select sum(deleted) from bench_calls where kind = 'chunk') as chunks_deleted,
  (select round(ms) from bench_calls where kind = 'final_pass') as final_pass_ms,
  (select deleted from bench_calls where kind = 'final_pass') as final_pass_deleted;
rollback;
vacuum auth.audit_log_entries;
