-- Chain heads are anchored outside the database, continuously (docs/AUDIT.md, "Anchoring").
-- `postgres` has CREATEROLE and can grant itself the audit owner role, then remove the newest
-- events and move a chain head back; verification against an old digest cannot see that. So
-- every audited statement queues its chains' new heads in private.audit_anchors, and every
-- scheduled job run publishes them to an append-only sink that ops own (AUDIT_ANCHOR_URL, with
-- retries and backoff like the Storage outbox). A rewrite is then caught at the next
-- verification against the sink's latest heads, and job health turns red when anchors stop
-- being published or when any role is a member of the audit owner role.

create table private.audit_anchors (
  id bigint generated always as identity primary key,
  created_at timestamptz not null default clock_timestamp(),
  chain_id uuid not null,
  -- [{chain_id, seq, hash (hex)}]: the chain's head to publish.
  heads jsonb not null check (jsonb_typeof(heads) = 'array'),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default '-infinity',
  leased_until timestamptz,
  published_at timestamptz,
  last_error text
);
create index audit_anchors_pending_idx on private.audit_anchors (id) where published_at is null;
-- One waiting anchor per chain: a new head moves the chain's anchor that was never sent forward
-- instead of queueing another, so a client looping audited statements cannot grow the queue
-- beyond one row per organisation it can write to, nor delay other organisations' heads.
create unique index audit_anchors_one_waiting_per_chain_idx on private.audit_anchors (chain_id)
  where published_at is null and leased_until is null and attempts = 0;
create index audit_anchors_published_idx on private.audit_anchors (published_at)
  where published_at is not null;
alter table private.audit_anchors enable row level security;
revoke all on private.audit_anchors from anon, authenticated, service_role;

create function private.queue_audit_anchor()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Its first queueing time stays (created_at): how long the chain has waited is what job
  -- health measures. An anchor already sent once is never changed: the sink may hold it.
  insert into private.audit_anchors as a (chain_id, heads)
  select h.chain_id, jsonb_build_array(jsonb_build_object('chain_id', h.chain_id, 'seq', h.seq,
    'hash', encode(h.hash, 'hex')))
  from new_heads h
  order by h.chain_id
  on conflict (chain_id) where published_at is null and leased_until is null and attempts = 0
  do update set heads = excluded.heads;
  return null;
end;
$$;
revoke all on function private.queue_audit_anchor() from public, anon, authenticated, service_role;
-- The trail's owner creates the trigger on its table.
grant execute on function private.queue_audit_anchor() to cluso_audit_owner;

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;
create trigger chain_heads_queue_anchor after update on audit.chain_heads
  referencing new table as new_heads
  for each statement execute function private.queue_audit_anchor();
reset role;
revoke cluso_audit_owner from postgres;

-- Lease up to p_limit anchors to publish, oldest first.
create function private.audit_anchor_claim(
  p_limit integer default 500, p_lease interval default interval '2 minutes'
)
returns table (id bigint, created_at timestamptz, heads jsonb)
language sql
security definer
set search_path = ''
as $$
  update private.audit_anchors a
  set attempts = a.attempts + 1, leased_until = clock_timestamp() + p_lease
  where a.id in (
    select p.id from private.audit_anchors p
    where p.published_at is null and p.next_attempt_at <= clock_timestamp()
      and (p.leased_until is null or p.leased_until <= clock_timestamp())
    order by p.id
    limit least(greatest(p_limit, 1), 1000)
    for update skip locked
  )
  returning a.id, a.created_at, a.heads;
$$;

-- After a publish attempt: published anchors are marked, the others back off (30 s doubling,
-- capped at 1 hour). Published anchors are kept 30 days (the sink keeps them for good).
create function private.audit_anchor_settle(
  p_ids bigint[], p_published boolean, p_error text default null
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_n integer;
begin
  if p_published then
    update private.audit_anchors a
    set published_at = clock_timestamp(), leased_until = null, last_error = null
    where a.id = any (p_ids) and a.published_at is null;
  else
    update private.audit_anchors a
    set leased_until = null, last_error = left(coalesce(p_error, 'not published'), 500),
      next_attempt_at = clock_timestamp() + private.retry_backoff(a.attempts)
    where a.id = any (p_ids) and a.published_at is null;
  end if;
  get diagnostics v_n = row_count;
  delete from private.audit_anchors a
  where a.published_at < clock_timestamp() - interval '30 days';
  return v_n;
end;
$$;

create function private.audit_anchor_status()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'pending', count(*) filter (where a.published_at is null),
    'oldest_pending_at', min(a.created_at) filter (where a.published_at is null),
    'last_published_at', max(a.published_at),
    'worst_error', (array_agg(a.last_error order by a.attempts desc)
      filter (where a.published_at is null and a.last_error is not null))[1]
  )
  from private.audit_anchors a;
$$;

revoke all on function
  private.audit_anchor_claim(integer, interval),
  private.audit_anchor_settle(bigint[], boolean, text),
  private.audit_anchor_status()
from public, anon, authenticated, service_role;
