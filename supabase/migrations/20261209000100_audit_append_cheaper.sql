-- A cheaper audit append: the same events, links, checks and refusals, with less work per event.
--
-- Profiled on the audit bench's 25-event append (one event per purged survey; a purge batch
-- appends 500) with plpgsql_check's profiler and pgbench, against this trail at 1 M events:
-- * audit.lock_chains() proposed every head of the call with ON CONFLICT DO NOTHING, and the
--   BEFORE INSERT trigger chain_heads_start_empty fires for each proposed row before the
--   conflict is found, so once per existing head. It now proposes only the heads that are
--   missing; two first appends of one organisation at once still meet at ON CONFLICT.
-- * chain_heads_forward_only checked each moved head in a PL/pgSQL call of its own, with a
--   look-up of the event the head moves to. It is now a statement trigger that checks every head
--   the UPDATE moved in one query, by the same rule: a head stays on its chain and moves forward,
--   to an event of that chain with that hash. One refused head still refuses the statement.
-- * audit.record_events() read each chain's head in a statement of its own and called
--   audit.event_hash() once per event; the function is never inlined (its fixed search_path
--   prevents it) and its call cost more than the hash. The heads now come with the events in one
--   statement, and the hash is written out in the loop. audit.extend_chains() still recomputes
--   every hash with audit.event_hash(), so the two are checked against each other on every
--   append, and audit.verify_chains() against both.
-- * The details check gathered every key of every entry (jsonb_each) to find none in the usual
--   case; one JSON path test per entry now finds whether any value is not a count or a flag, and
--   the keys are only named when one is.
-- Each append still writes the same rows, and everything refused before is still refused
-- (12_audit_append_only, 13_audit_tamper_evidence, 15_audit_chain_heads_and_anchors). As the
-- head check now runs after the rows are written, a head UPDATE that also breaks the table's own
-- constraints meets those first: a head moved onto another chain's id is refused by the key
-- (23505), a null hash by NOT NULL (23502), where the per-row trigger answered 42501.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

drop trigger chain_heads_forward_only on audit.chain_heads;

create or replace function audit.chain_head_moves_forward()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- A head only ever points at the last event added to its chain. Heads are matched to their
  -- old rows by chain: a head whose chain_id changed to a new id has no old row (one changed to
  -- an existing chain's id never gets here: the key refuses it).
  if exists (
    select 1
    from new_heads n
    left join old_heads o on o.chain_id = n.chain_id
    where o.chain_id is null
      or n.seq <= o.seq
      or not exists (
        select 1 from audit.events e
        where e.chain_id = n.chain_id and e.seq = n.seq and e.hash = n.hash
      )
  ) then
    raise exception 'audit chain heads only move forward, to an event added to their chain'
      using errcode = '42501';
  end if;
  return null;
end;
$$;

create trigger chain_heads_forward_only after update on audit.chain_heads
  referencing old table as old_heads new table as new_heads
  for each statement execute function audit.chain_head_moves_forward();

create or replace function audit.lock_chains(p_org_ids uuid[])
returns uuid[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_chains uuid[] := array(
    select distinct coalesce(o, '00000000-0000-0000-0000-000000000000')
    from unnest(p_org_ids) o
    order by 1);
  v_restored uuid[];
begin
  -- Only the missing heads are proposed: the heads' BEFORE INSERT trigger fires for every
  -- proposed row, existing or not.
  insert into audit.chain_heads (chain_id, seq, hash)
  select c, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
  from unnest(v_chains) c
  where not exists (select 1 from audit.chain_heads h where h.chain_id = c)
  order by 1
  on conflict (chain_id) do nothing;
  perform 1 from audit.chain_heads h
  where h.chain_id = any(v_chains)
  order by h.chain_id
  for update;

  -- A head at seq 0 whose chain has events was removed: move it to the chain's last event (the
  -- one move its triggers allow from 0). A head at seq 0 of a chain without events is new.
  if exists (select 1 from audit.chain_heads h
             where h.chain_id = any(v_chains) and h.seq = 0
               and exists (select 1 from audit.events e where e.chain_id = h.chain_id)) then
    with restored as (
      update audit.chain_heads h
      set seq = last.seq, hash = last.hash, updated_at = clock_timestamp()
      from (
        select e.chain_id, e.seq, e.hash
        from audit.chain_heads z
        cross join lateral (
          select e.chain_id, e.seq, e.hash from audit.events e
          where e.chain_id = z.chain_id
          order by e.seq desc
          limit 1
        ) e
        where z.chain_id = any(v_chains) and z.seq = 0
      ) last
      where h.chain_id = last.chain_id
      returning h.chain_id
    )
    select array_agg(r.chain_id order by r.chain_id) into v_restored from restored r;
  end if;

  if v_restored is not null then
    perform audit.record_events('audit.chain_head_restored', 'audit.chain_heads', 'head_missing',
      array(select nullif(c, '00000000-0000-0000-0000-000000000000') from unnest(v_restored) c),
      array(select c::text from unnest(v_restored) c),
      p_actor_job => 'database');
  end if;
  return coalesce(v_restored, '{}');
end;
$$;

create or replace function audit.record_events(
  p_action text,
  p_target_table text,
  p_reason text,
  p_org_ids uuid[],
  p_target_ids text[],
  p_details jsonb[] default null,
  p_actor_job text default null,
  p_actor_id uuid default null,
  p_request_id text default null
)
returns setof audit.events
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- The API client chooses x-request-id: keep it only when it is a uuid (so an over-long or odd
  -- header can neither block a deletion nor carry personal content such as a name or email).
  v_header_request text := nullif(current_setting('request.headers', true), '')::jsonb
    ->> 'x-request-id';
  v_request text := coalesce(
    p_request_id,
    case when v_header_request
      ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_header_request end,
    'tx:' || pg_current_xact_id()::text
  );
  v_actor_kind text := case when p_actor_job is null then 'user' else 'system' end;
  v_now timestamptz := clock_timestamp();
  v_bad_keys text;
  v_item record;
  v_chain uuid;
  v_seq bigint;
  v_prev bytea;
  v_hash bytea;
  v_events audit.events[] := array[]::audit.events[];
begin
  if p_actor_job is null and p_actor_id is null then
    raise exception 'an audit event needs a user or a system job as its actor'
      using errcode = '22023';
  end if;
  if cardinality(p_org_ids) is distinct from cardinality(p_target_ids)
    or (p_details is not null and cardinality(p_details) <> cardinality(p_target_ids)) then
    raise exception 'one organisation, target and details entry per audit event'
      using errcode = '22023';
  end if;
  if exists (select 1 from unnest(p_details) d where jsonb_typeof(coalesce(d, '{}')) <> 'object') then
    raise exception 'audit details must be a JSON object of counts and flags'
      using errcode = '22023';
  end if;
  -- Name the offending keys, never their values: the refused content must not reach the
  -- server log or the caller's error report either. (One JSON path test per entry finds whether
  -- any value is not a count or a flag; the names are only gathered when one is.)
  if exists (
    select 1 from unnest(p_details) d
    where jsonb_path_exists(d,
      'strict $.* ? (@.type() != "number" && @.type() != "boolean" && @.type() != "null")')
  ) then
    select string_agg(distinct format('%s (%s)', kv.key, jsonb_typeof(kv.value)), ', ')
    into v_bad_keys
    from unnest(p_details) d, jsonb_each(coalesce(d, '{}')) kv
    where jsonb_typeof(kv.value) not in ('number', 'boolean', 'null');
    raise exception 'audit details hold counts and flags only; not allowed: %', v_bad_keys
      using errcode = '22023', hint = 'Personal content never enters the audit trail.';
  end if;

  -- Lock the chain heads concerned, in chain order; other organisations append in parallel.
  perform audit.lock_chains(p_org_ids);

  -- The heads are locked: read each chain's head with its events, in one statement (a missing
  -- head, which lock_chains() rules out, would leave seq null and fail the insert).
  for v_item in
    select i.chain_id, i.org_id, i.target_id, i.details, h.seq as head_seq, h.hash as head_hash
    from (
      select coalesce(u.org_id, '00000000-0000-0000-0000-000000000000') as chain_id, u.org_id,
        u.target_id, coalesce(u.details, '{}') as details, u.n
      from unnest(p_org_ids, p_target_ids, coalesce(p_details, '{}'))
        with ordinality as u(org_id, target_id, details, n)
    ) i
    left join audit.chain_heads h on h.chain_id = i.chain_id
    order by i.chain_id, i.n
  loop
    if v_chain is distinct from v_item.chain_id then
      v_chain := v_item.chain_id;
      v_seq := v_item.head_seq;
      v_prev := v_item.head_hash;
    end if;
    v_seq := v_seq + 1;
    -- audit.event_hash(), written out: called once per event, the function (never inlined, for
    -- its fixed search_path) costs more than the hash. extend_chains() checks the two agree.
    v_hash := sha256(v_prev || convert_to(jsonb_build_array(
      v_chain, v_seq, (extract(epoch from v_now) * 1000000)::bigint, p_action, v_actor_kind,
      p_actor_id, p_actor_job, v_item.org_id, p_target_table, v_item.target_id, p_reason,
      v_request, v_item.details)::text, 'UTF8'));
    v_events := v_events || row(v_chain, v_seq, v_now, p_action, v_actor_kind, p_actor_id,
      p_actor_job, v_item.org_id, p_target_table, v_item.target_id, p_reason, v_request,
      v_item.details, v_prev, v_hash)::audit.events;
    v_prev := v_hash;
  end loop;

  return query insert into audit.events select * from unnest(v_events) returning *;
end;
$$;

reset role;
revoke cluso_audit_owner from postgres;
