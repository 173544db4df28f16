-- Every audit append looks only at its own chains' heads.
--
-- audit.lock_chains() checks whether a head it is about to extend was removed (a head at seq 0
-- while its chain has events) and restores it. The check was written as an UPDATE of every head
-- at seq 0 joined to the chains' last events, which the planner answered by reading all chain
-- heads, one per organisation, on every audited statement; and the UPDATE fired the heads'
-- anchoring trigger even when it changed nothing. Now it asks, through the heads' key, whether any
-- of this call's heads is at seq 0 while its chain has events, and only then reads those chains'
-- last events (one backward step of the events' key each). What it restores, and how the restoration is recorded, is
-- unchanged (15_audit_chain_heads_and_anchors).

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

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
  insert into audit.chain_heads (chain_id, seq, hash)
  select c, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
  from unnest(v_chains) c
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

reset role;
revoke cluso_audit_owner from postgres;
