-- Audit trail hardening (docs/AUDIT.md, "What the trail withstands"):
--   * a chain whose head row was removed no longer makes every later deletion in that
--     organisation fail with a duplicate key: the next append restores the head from the last
--     event and records that it did (audit.chain_head_restored), and audit.verify_chains()
--     reports a missing head;
--   * one statement that removes rows of several organisations (leaving two organisations,
--     declining two invitations) appends its events in one call that locks every chain head it
--     needs in chain order, and checks the last-owner rule per statement with the organisations
--     locked in id order, organisations before chain heads as on every other deletion path, so
--     two such statements never deadlock;
--   * overwriting content through the granted UPDATEs (question prompts, transcripts, respondent
--     references) is a deletion of the old value, and is audited as content.overwritten with
--     lengths only.

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

alter table audit.events drop constraint events_action_check;
alter table audit.events add constraint events_action_check check (action in (
  'survey.soft_deleted', 'survey.restored', 'survey.purged', 'storage_object.removed',
  'membership.removed', 'invitation.removed', 'organization.deleted',
  'organization.owner_transferred', 'account.erasure_requested', 'account.erasure_cancelled',
  'account.erased', 'content.overwritten', 'audit.chain_head_restored'
));

-- Creates the missing heads of these organisations' chains, locks every head in chain order,
-- and restores a head that was removed while its chain has events (a new head starts at seq 0;
-- moving it forward to the chain's last event is the one move its triggers allow), recording
-- the restoration in the chain itself. Returns the restored chains.
create function audit.lock_chains(p_org_ids uuid[])
returns uuid[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_restored uuid[];
begin
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

  with restored as (
    update audit.chain_heads h
    set seq = last.seq, hash = last.hash, updated_at = clock_timestamp()
    from (
      select distinct on (e.chain_id) e.chain_id, e.seq, e.hash
      from audit.events e
      where e.chain_id in (select coalesce(o, '00000000-0000-0000-0000-000000000000')
                           from unnest(p_org_ids) o)
      order by e.chain_id, e.seq desc
    ) last
    where h.chain_id = last.chain_id and h.seq = 0
    returning h.chain_id
  )
  select array_agg(r.chain_id order by r.chain_id) into v_restored from restored r;

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
  perform audit.lock_chains(p_org_ids);

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

create or replace function audit.verify_chains(p_digest jsonb default null)
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
    union all
    -- Events whose chain has no head: the head row was removed (and maybe re-created empty).
    select t.chain_id, t.last_seq, 'the chain head is missing (removed)'
    from totals t
    left join audit.chain_heads h on h.chain_id = t.chain_id
    where h.chain_id is null or h.seq = 0
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

revoke all on function audit.lock_chains(uuid[]) from public;
grant execute on function audit.lock_chains(uuid[]) to postgres, service_role;

reset role;
revoke cluso_audit_owner from postgres;

-- The last-owner rule, per statement: every organisation that lost an owner in the statement
-- still has one, unless it is being deleted or every owner it lost is an account being deleted
-- (the erasure hands ownership on first). Organisations are locked in id order, so concurrent
-- changes to one organisation's owners are serialised and never deadlock.
create function private.keep_last_owner_per_statement()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_orgs uuid[];
  v_org uuid;
begin
  if tg_op = 'DELETE' then
    v_orgs := array(select distinct o.org_id from old_rows o where o.role = 'owner'
      and exists (select 1 from auth.users u where u.id = o.user_id));
  else
    v_orgs := array(select distinct o.org_id from old_rows o
      join new_rows n on n.org_id = o.org_id and n.user_id = o.user_id
      where o.role = 'owner' and n.role <> 'owner');
  end if;
  for v_org in select g.id from public.organizations g where g.id = any (v_orgs)
    order by g.id for update
  loop
    if not exists (select 1 from public.memberships m where m.org_id = v_org and m.role = 'owner')
    then
      raise exception 'the last owner of an organisation cannot leave or be demoted'
        using errcode = 'PT409', hint = 'Make another member an owner first.';
    end if;
  end loop;
  return null;
end;
$$;

drop trigger memberships_keep_last_owner on public.memberships;
drop function private.keep_last_owner();
-- Triggers fire in name order: the owner check (organisation locks) runs before the audit
-- (chain head locks), the order every deletion path takes.
create trigger memberships_1_keep_last_owner_on_delete after delete on public.memberships
  referencing old table as old_rows
  for each statement execute function private.keep_last_owner_per_statement();
create trigger memberships_1_keep_last_owner_on_update after update on public.memberships
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.keep_last_owner_per_statement();

-- Members leaving or being removed, and invitations declined or withdrawn: one append per
-- reason (private.org_user_removal_reason(), per row), after every chain the statement touches
-- was locked in chain order.
create function private.audit_memberships_removed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
  v_group record;
begin
  perform audit.lock_chains(array(select distinct o.org_id from old_rows o));
  for v_group in
    select x.reason,
      array_agg(x.org_id order by x.org_id, x.user_id) as org_ids,
      array_agg(x.user_id::text order by x.org_id, x.user_id) as user_ids,
      array_agg(jsonb_build_object('was_owner', x.role = 'owner') order by x.org_id, x.user_id)
        as details
    from (
      select o.org_id, o.user_id, o.role,
        private.org_user_removal_reason(o.org_id, o.user_id, v_actor, 'member_left',
          'member_removed') as reason
      from old_rows o
    ) x
    group by x.reason
    order by x.reason
  loop
    perform audit.record_events('membership.removed', 'public.memberships', v_group.reason,
      v_group.org_ids, v_group.user_ids, v_group.details,
      p_actor_job => case when v_actor is null then 'database' end, p_actor_id => v_actor);
  end loop;
  return null;
end;
$$;

-- Accepted invitations are not audited: accepting creates the membership, whose removal is.
create function private.audit_invitations_removed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
  v_group record;
begin
  perform audit.lock_chains(array(select distinct o.org_id from old_rows o));
  for v_group in
    select x.reason,
      array_agg(x.org_id order by x.org_id, x.user_id) as org_ids,
      array_agg(x.user_id::text order by x.org_id, x.user_id) as user_ids
    from (
      select o.org_id, o.user_id,
        private.org_user_removal_reason(o.org_id, o.user_id, v_actor, 'invitation_declined',
          'invitation_withdrawn') as reason
      from old_rows o
      where not exists (select 1 from public.memberships m
                        where m.org_id = o.org_id and m.user_id = o.user_id)
    ) x
    group by x.reason
    order by x.reason
  loop
    perform audit.record_events('invitation.removed', 'public.invitations', v_group.reason,
      v_group.org_ids, v_group.user_ids, null,
      p_actor_job => case when v_actor is null then 'database' end, p_actor_id => v_actor);
  end loop;
  return null;
end;
$$;

drop trigger memberships_audit_removed on public.memberships;
drop function private.audit_membership_removed();
create trigger memberships_2_audit_removed after delete on public.memberships
  referencing old table as old_rows
  for each statement execute function private.audit_memberships_removed();

drop trigger invitations_audit_removed on public.invitations;
drop function private.audit_invitation_removed();
create trigger invitations_audit_removed after delete on public.invitations
  referencing old table as old_rows
  for each statement execute function private.audit_invitations_removed();

-- Content overwritten through an UPDATE: one event per row whose column (the trigger's
-- argument) changed, with the old and new lengths only, never the text.
create function private.audit_content_overwritten()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
  v_column text := tg_argv[0];
  v_org_ids uuid[];
  v_ids text[];
  v_details jsonb[];
begin
  execute format($q$
    select array_agg(n.org_id order by n.org_id, n.id), array_agg(n.id::text order by n.org_id, n.id),
      array_agg(jsonb_build_object('column_%1$s', true,
        'chars_before', char_length(o.%1$I), 'chars_after', char_length(n.%1$I))
        order by n.org_id, n.id)
    from old_rows o join new_rows n on n.id = o.id
    where o.%1$I is distinct from n.%1$I
  $q$, v_column) into v_org_ids, v_ids, v_details;
  if v_ids is not null then
    perform audit.record_events('content.overwritten', tg_table_schema || '.' || tg_table_name,
      'content_edited', v_org_ids, v_ids, v_details,
      p_actor_job => case when v_actor is null then 'database' end, p_actor_id => v_actor);
  end if;
  return null;
end;
$$;

create trigger questions_audit_prompt_overwritten after update on public.questions
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.audit_content_overwritten('prompt');
create trigger transcripts_audit_body_overwritten after update on public.transcripts
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.audit_content_overwritten('body');
create trigger responses_audit_respondent_ref_overwritten after update on public.responses
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.audit_content_overwritten('respondent_ref');

revoke all on function
  private.keep_last_owner_per_statement(),
  private.audit_memberships_removed(),
  private.audit_invitations_removed(),
  private.audit_content_overwritten()
from public, anon, authenticated, service_role;
