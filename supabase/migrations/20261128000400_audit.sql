-- Audit: the immutable audit trail of every deletion, and every trigger that writes to it.
-- See docs/AUDIT.md.
--
-- * Events live in schema `audit`, owned by the NOLOGIN role cluso_audit_owner that no
--   application, job or operator logs in as. Nobody has UPDATE, DELETE or TRUNCATE on them, and
--   triggers refuse those commands even for the owner: events are only ever added, and only
--   through audit.record_event().
-- * Events hold no personal content: ids, counts and short reason codes only, so erasing a
--   person never has to touch the trail.
-- * Tamper evidence: each event carries sha256(previous hash || its own content). There is one
--   chain per organisation (plus one for events without an organisation), so deletions in
--   different organisations never wait on each other. audit.verify_chains() recomputes every
--   chain and names the first broken event; given a digest exported earlier with
--   audit.export_digest() and kept outside the database, it also catches a privileged user who
--   rewrote a whole chain consistently.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'cluso_audit_owner') then
    create role cluso_audit_owner nologin noinherit;
  end if;
end;
$$;
comment on role cluso_audit_owner is
  'Owns the audit trail. NOLOGIN; nobody is a member after the migrations run.';

-- Ownership can only be handed to a role one can SET ROLE to: borrow the membership for the
-- length of this migration, and give it back at the end.
grant cluso_audit_owner to postgres;
-- Its read policy calls a private membership helper.
grant usage on schema private to cluso_audit_owner;

create schema audit authorization cluso_audit_owner;
comment on schema audit is 'Append-only, hash-chained audit trail of every data deletion.';
revoke all on schema audit from public;
grant usage on schema audit to postgres, service_role, authenticated;

set role cluso_audit_owner;

create table audit.events (
  -- The organisation's id, or the nil uuid for events without an organisation.
  chain_id uuid not null,
  seq bigint not null check (seq > 0),
  occurred_at timestamptz not null default clock_timestamp(),
  -- The one list of audit actions (docs/AUDIT.md describes each); a new action is added here.
  action text not null check (action in (
    'survey.soft_deleted', 'survey.restored', 'survey.purged', 'storage_object.removed',
    'membership.removed', 'invitation.removed', 'organization.deleted',
    'organization.owner_transferred', 'account.erasure_requested', 'account.erasure_cancelled',
    'account.erased'
  )),
  actor_kind text not null check (actor_kind in ('user', 'system')),
  actor_id uuid,
  actor_job text check (actor_job ~ '^[a-z0-9_-]{1,64}$'),
  org_id uuid,
  target_table text not null check (target_table ~ '^[a-z_]+\.[a-z_]+$'),
  target_id text not null check (char_length(target_id) <= 512),
  reason text not null check (reason ~ '^[a-z][a-z0-9_]{0,63}$'),
  request_id text check (char_length(request_id) <= 128),
  -- Counts and flags only (enforced by audit.record_event): never names, emails or answers.
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  prev_hash bytea not null check (octet_length(prev_hash) = 32),
  hash bytea not null check (octet_length(hash) = 32),
  primary key (chain_id, seq),
  check ((actor_kind = 'user') = (actor_job is null)),
  check (chain_id = coalesce(org_id, '00000000-0000-0000-0000-000000000000'))
);
create index events_org_time_idx on audit.events (org_id, occurred_at desc);
create index events_target_idx on audit.events (target_table, target_id);
create index events_time_brin on audit.events using brin (occurred_at);

create table audit.chain_heads (
  chain_id uuid primary key,
  seq bigint not null,
  hash bytea not null,
  updated_at timestamptz not null default clock_timestamp()
);

-- The content that an event's hash covers, in a form that does not depend on session settings.
create function audit.event_hash(
  p_prev_hash bytea, p_chain_id uuid, p_seq bigint, p_occurred_at timestamptz, p_action text,
  p_actor_kind text, p_actor_id uuid, p_actor_job text, p_org_id uuid, p_target_table text,
  p_target_id text, p_reason text, p_request_id text, p_details jsonb
)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select sha256(p_prev_hash || convert_to(jsonb_build_array(
    p_chain_id, p_seq, (extract(epoch from p_occurred_at) * 1000000)::bigint, p_action,
    p_actor_kind, p_actor_id, p_actor_job, p_org_id, p_target_table, p_target_id, p_reason,
    p_request_id, p_details
  )::text, 'UTF8'));
$$;

-- The only way in. SECURITY DEFINER as the trail's owner; callable by postgres (migrations'
-- functions and the scheduled jobs run as it) and service_role, never by API clients.
-- The actor is passed in explicitly (a user id, or a system job name): the trail's owner has no
-- access to the auth schema, and the caller knows best on whose behalf it acts.
--
-- record_events() appends a batch of events of one kind (one per target, possibly across
-- organisations) in one statement: each chain head is locked once, in chain order (so
-- concurrent writers never deadlock), the events are hashed in order, inserted together, and
-- the statement trigger audit.extend_chains() checks every link and moves each head once.
-- Purging a batch of surveys or settling a thousand Storage removals costs one round of this,
-- not one per event. record_event() is the single-event form.
create function audit.record_events(
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
  v_event audit.events;
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
  -- server log or the caller's error report either.
  select string_agg(distinct format('%s (%s)', kv.key, jsonb_typeof(kv.value)), ', ')
  into v_bad_keys
  from unnest(p_details) d, jsonb_each(coalesce(d, '{}')) kv
  where jsonb_typeof(kv.value) not in ('number', 'boolean', 'null');
  if v_bad_keys is not null then
    raise exception 'audit details hold counts and flags only; not allowed: %', v_bad_keys
      using errcode = '22023', hint = 'Personal content never enters the audit trail.';
  end if;

  -- Lock the chain heads concerned, in chain order; other organisations append in parallel.
  insert into audit.chain_heads (chain_id, seq, hash)
  select distinct coalesce(o, '00000000-0000-0000-0000-000000000000'), 0,
    '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
  from unnest(p_org_ids) o
  order by 1
  on conflict (chain_id) do nothing;
  perform 1 from audit.chain_heads h
  where h.chain_id in (select coalesce(o, '00000000-0000-0000-0000-000000000000')
                       from unnest(p_org_ids) o)
  order by h.chain_id
  for update;

  for v_item in
    select coalesce(i.org_id, '00000000-0000-0000-0000-000000000000') as chain_id, i.org_id,
      i.target_id, coalesce(i.details, '{}') as details
    from unnest(p_org_ids, p_target_ids, coalesce(p_details, '{}'))
      with ordinality as i(org_id, target_id, details, n)
    order by 1, i.n
  loop
    if v_chain is distinct from v_item.chain_id then
      v_chain := v_item.chain_id;
      select h.seq, h.hash into v_seq, v_prev from audit.chain_heads h where h.chain_id = v_chain;
    end if;
    v_seq := v_seq + 1;
    v_event := row(v_chain, v_seq, v_now, p_action, v_actor_kind, p_actor_id, p_actor_job,
      v_item.org_id, p_target_table, v_item.target_id, p_reason, v_request, v_item.details,
      v_prev, audit.event_hash(v_prev, v_chain, v_seq, v_now, p_action, v_actor_kind,
        p_actor_id, p_actor_job, v_item.org_id, p_target_table, v_item.target_id, p_reason,
        v_request, v_item.details))::audit.events;
    v_events := v_events || v_event;
    v_prev := v_event.hash;
  end loop;

  return query insert into audit.events select * from unnest(v_events) returning *;
end;
$$;

create function audit.record_event(
  p_action text,
  p_org_id uuid,
  p_target_table text,
  p_target_id text,
  p_reason text,
  p_details jsonb default '{}',
  p_actor_job text default null,
  p_actor_id uuid default null,
  p_request_id text default null
)
returns audit.events
language sql
security definer
set search_path = ''
as $$
  select * from audit.record_events(p_action, p_target_table, p_reason, array[p_org_id],
    array[p_target_id], array[coalesce(p_details, '{}')], p_actor_job, p_actor_id, p_request_id);
$$;

-- Every insert must extend its chains by correctly hashed, contiguous events, and moves each
-- chain head with them. So even the owner cannot slip an event into the middle of a chain or
-- append one that does not link: an insert is either refused or is what record_events() writes.
create function audit.extend_chains()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform 1 from audit.chain_heads h
  where h.chain_id in (select n.chain_id from new_events n)
  order by h.chain_id
  for update;
  if exists (
    with added as (
      select n.*,
        row_number() over w as k,
        lag(n.hash) over w as previous_hash
      from new_events n
      window w as (partition by n.chain_id order by n.seq)
    )
    select 1
    from added a
    left join audit.chain_heads h on h.chain_id = a.chain_id
    where h.chain_id is null
      or a.seq <> h.seq + a.k
      or a.prev_hash <> coalesce(a.previous_hash, h.hash)
      or a.hash <> audit.event_hash(a.prev_hash, a.chain_id, a.seq, a.occurred_at, a.action,
        a.actor_kind, a.actor_id, a.actor_job, a.org_id, a.target_table, a.target_id, a.reason,
        a.request_id, a.details)
  ) then
    raise exception 'audit events are only added through audit.record_event()'
      using errcode = '42501',
        hint = 'An event must be the next, correctly hashed link of its chain.';
  end if;
  update audit.chain_heads h
  set seq = last.seq, hash = last.hash, updated_at = last.occurred_at
  from (
    select distinct on (n.chain_id) n.chain_id, n.seq, n.hash, n.occurred_at
    from new_events n
    order by n.chain_id, n.seq desc
  ) last
  where h.chain_id = last.chain_id;
  return null;
end;
$$;

create trigger events_extend_chains after insert on audit.events
  referencing new table as new_events
  for each statement execute function audit.extend_chains();

-- Append-only, for every role, the owner included.
create function audit.refuse_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'the audit trail is append-only: % on audit.% is not allowed', tg_op, tg_table_name
    using errcode = '42501', hint = 'Audit events are only added, through audit.record_event().';
end;
$$;

create trigger events_append_only before update or delete on audit.events
  for each row execute function audit.refuse_change();
create trigger events_no_truncate before truncate on audit.events
  for each statement execute function audit.refuse_change();
-- Chain heads move forward only, with the events (audit.extend_chains()).
create trigger chain_heads_no_delete before delete on audit.chain_heads
  for each row execute function audit.refuse_change();
create trigger chain_heads_no_truncate before truncate on audit.chain_heads
  for each statement execute function audit.refuse_change();

create function audit.chain_head_moves_forward()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- A head only ever points at the last event added to its chain.
  if new.chain_id <> old.chain_id or new.seq <= old.seq or not exists (
    select 1 from audit.events e
    where e.chain_id = new.chain_id and e.seq = new.seq and e.hash = new.hash
  ) then
    raise exception 'audit chain heads only move forward, to an event added to their chain'
      using errcode = '42501';
  end if;
  return new;
end;
$$;
-- A chain starts empty: a new head is seq 0 with the zero hash (record_event creates it on the
-- organisation's first event; heads are never deleted, so a chain with events has its head).
create function audit.chain_head_starts_empty()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.seq <> 0
    or new.hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
  then
    raise exception 'audit chain heads only start empty, through audit.record_event()'
      using errcode = '42501';
  end if;
  return new;
end;
$$;
create trigger chain_heads_start_empty before insert on audit.chain_heads
  for each row execute function audit.chain_head_starts_empty();

-- audit.extend_chains() moves each head to the last event its statement added.
create trigger chain_heads_forward_only before update on audit.chain_heads
  for each row execute function audit.chain_head_moves_forward();

-- Verification: recompute every event's hash and every link. Returns one row per chain.
-- p_digest: a digest from audit.export_digest(); each chain it lists must still contain the
-- exported head (same seq, same hash), which a rewritten chain cannot reproduce.
create function audit.verify_chains(p_digest jsonb default null)
returns table (chain_id uuid, ok boolean, events bigint, broken_at_seq bigint, problem text)
language sql
stable
security definer
set search_path = ''
as $$
  with checked as (
    select e.chain_id, e.seq,
      e.hash = audit.event_hash(e.prev_hash, e.chain_id, e.seq, e.occurred_at, e.action,
        e.actor_kind, e.actor_id, e.actor_job, e.org_id, e.target_table, e.target_id, e.reason,
        e.request_id, e.details) as hash_ok,
      coalesce(lag(e.seq) over w, 0) as prev_seq,
      e.seq = coalesce(lag(e.seq) over w, 0) + 1 as seq_ok,
      e.prev_hash = coalesce(lag(e.hash) over w,
        '\x0000000000000000000000000000000000000000000000000000000000000000') as link_ok
    from audit.events e
    window w as (partition by e.chain_id order by e.seq)
  ),
  first_break as (
    -- A gap is named at its first missing sequence number.
    select distinct on (c.chain_id) c.chain_id,
      case when c.seq_ok then c.seq else c.prev_seq + 1 end as seq,
      case
        when not c.seq_ok then 'event missing at this sequence number (removed)'
        when not c.hash_ok then 'event content does not match its hash (altered)'
        else 'event does not link to the previous event (removed, inserted or reordered)'
      end as problem
    from checked c
    where not (c.hash_ok and c.seq_ok and c.link_ok)
    order by c.chain_id, c.seq
  ),
  totals as (
    select c.chain_id, count(*) as events, max(c.seq) as last_seq from checked c group by 1
  ),
  digest as (
    select (d ->> 'chain_id')::uuid as chain_id, (d ->> 'seq')::bigint as seq,
      decode(d ->> 'hash', 'hex') as hash
    from jsonb_array_elements(coalesce(p_digest -> 'chains', '[]')) d
  ),
  digest_breaks as (
    -- A vanished head: the first event missing is the one after the chain's last.
    select d.chain_id,
      case when e.seq is null then least(d.seq, coalesce(t.last_seq, 0) + 1) else d.seq end,
      case
        when e.seq is null then 'the exported head is gone (events removed or chain truncated)'
        else 'the exported head no longer matches (chain rewritten)'
      end as problem
    from digest d
    left join totals t on t.chain_id = d.chain_id
    left join audit.events e on e.chain_id = d.chain_id and e.seq = d.seq
    where e.hash is distinct from d.hash
  ),
  heads as (
    -- Named at the first wrong sequence number: the first event missing at the end, the
    -- first event beyond the head, or the head itself.
    select h.chain_id,
      case
        when coalesce(t.last_seq, 0) < h.seq then coalesce(t.last_seq, 0) + 1
        when t.last_seq > h.seq then h.seq + 1
        else h.seq
      end,
      'the chain head does not match the last event' as problem
    from audit.chain_heads h
    left join totals t on t.chain_id = h.chain_id
    left join audit.events e on e.chain_id = h.chain_id and e.seq = h.seq
    where h.seq > 0 and (t.last_seq is distinct from h.seq or e.hash is distinct from h.hash)
  ),
  all_chains as (
    select t.chain_id from totals t
    union select d.chain_id from digest d
    union select h.chain_id from audit.chain_heads h where h.seq > 0
  ),
  problems as (
    select * from first_break
    union all select * from digest_breaks
    union all select * from heads
  )
  select a.chain_id,
    not exists (select 1 from problems p where p.chain_id = a.chain_id) as ok,
    coalesce(t.events, 0) as events,
    (select min(p.seq) from problems p where p.chain_id = a.chain_id) as broken_at_seq,
    (select p.problem from problems p where p.chain_id = a.chain_id order by p.seq limit 1)
  from all_chains a
  left join totals t on t.chain_id = a.chain_id
  order by a.chain_id;
$$;

-- The digest to keep outside the database (see docs/AUDIT.md): every chain's head.
create function audit.export_digest()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'exported_at', now(),
    'chains', coalesce(jsonb_agg(jsonb_build_object(
      'chain_id', h.chain_id, 'seq', h.seq, 'hash', encode(h.hash, 'hex')
    ) order by h.chain_id), '[]')
  )
  from audit.chain_heads h
  where h.seq > 0;
$$;

alter table audit.events enable row level security;
alter table audit.chain_heads enable row level security;

-- Admins and owners read their own organisation's events; nobody else reads any.
create policy events_select_org_admins on audit.events for select to authenticated
  using (org_id = any ((select private.user_org_ids('admin'))::uuid[]));

revoke all on all tables in schema audit from public, anon, authenticated, service_role, postgres;
revoke all on all functions in schema audit from public;
grant select on audit.events to authenticated;
grant select on audit.events, audit.chain_heads to service_role, postgres;
grant execute on function
  audit.record_event(text, uuid, text, text, text, jsonb, text, uuid, text),
  audit.record_events(text, text, text, uuid[], text[], jsonb[], text, uuid, text)
to postgres, service_role;
grant execute on function audit.verify_chains(jsonb), audit.export_digest()
  to postgres, service_role;
grant execute on function audit.event_hash(bytea, uuid, bigint, timestamptz, text, text, uuid,
  text, uuid, text, text, text, text, jsonb) to postgres, service_role;

reset role;
revoke cluso_audit_owner from postgres;

-- Clients read their organisation's events through this RPC (RLS decides which).
create function public.audit_events(
  p_org_id uuid,
  p_limit integer default 100,
  p_before timestamptz default null
)
returns table (
  occurred_at timestamptz, action text, actor_kind text, actor_id uuid, actor_job text,
  target_table text, target_id text, reason text, request_id text, details jsonb
)
language sql
stable
security invoker
set search_path = ''
as $$
  select e.occurred_at, e.action, e.actor_kind, e.actor_id, e.actor_job, e.target_table,
    e.target_id, e.reason, e.request_id, e.details
  from audit.events e
  where e.org_id = p_org_id
    and (p_before is null or e.occurred_at < p_before)
  order by e.occurred_at desc
  limit least(greatest(p_limit, 1), 1000);
$$;
comment on function public.audit_events(uuid, integer, timestamptz) is
  'The deletion audit trail of one organisation, newest first; admins and owners only.';
grant execute on function public.audit_events(uuid, integer, timestamptz) to authenticated;

-- Why a user's row in an organisation (membership, invitation) went away, for the audit trail.
-- Removed with the whole organisation or the whole account (the parent row is already gone in
-- this transaction): say so, rather than blame the member or the caller.
create function private.org_user_removal_reason(
  p_org_id uuid, p_user_id uuid, p_actor uuid, p_by_self text, p_by_other text
)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when not exists (select 1 from public.organizations o where o.id = p_org_id)
      then 'organization_deleted'
    when not exists (select 1 from auth.users u where u.id = p_user_id) then 'account_erasure'
    when p_actor is null then 'cascade'
    when p_actor = p_user_id then p_by_self
    else p_by_other
  end;
$$;

-- Members leaving or being removed is a deletion too.
create function private.audit_membership_removed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
begin
  perform audit.record_event(
    'membership.removed', old.org_id, 'public.memberships', old.user_id::text,
    private.org_user_removal_reason(old.org_id, old.user_id, v_actor, 'member_left',
      'member_removed'),
    jsonb_build_object('was_owner', old.role = 'owner'),
    p_actor_job => case when v_actor is null then 'database' end,
    p_actor_id => v_actor
  );
  return old;
end;
$$;

create trigger memberships_audit_removed after delete on public.memberships
  for each row execute function private.audit_membership_removed();

-- Declined, withdrawn or removed-with-the-organisation invitations are deletions too. Accepted
-- ones are not audited here: accepting creates the membership, whose removal is.
create function private.audit_invitation_removed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
begin
  if exists (select 1 from public.memberships m
             where m.org_id = old.org_id and m.user_id = old.user_id) then
    return old;
  end if;
  perform audit.record_event(
    'invitation.removed', old.org_id, 'public.invitations', old.user_id::text,
    private.org_user_removal_reason(old.org_id, old.user_id, v_actor, 'invitation_declined',
      'invitation_withdrawn'),
    '{}',
    p_actor_job => case when v_actor is null then 'database' end,
    p_actor_id => v_actor
  );
  return old;
end;
$$;
create trigger invitations_audit_removed after delete on public.invitations
  for each row execute function private.audit_invitation_removed();
