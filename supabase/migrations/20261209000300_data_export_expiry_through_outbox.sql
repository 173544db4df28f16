-- An expired export's archive leaves Storage through the Storage outbox, and its removal is
-- audited like every other object's.
--
-- The data-export job's `expire` phase listed the expired exports (and erased accounts'),
-- removed their archives with one Storage call, then deleted the rows. The archives are copies
-- of an account's data, and their removal was the one deletion of account data the audit trail
-- never saw. A failing Storage call also failed the phase, and with it the job's later phases
-- (the receipts, the Storage drain, the anchors), with no retry but the next run's.
--
-- private.data_export_expire() now, in one transaction, queues each due archive in
-- private.storage_removals (bucket `data-exports`, cause `export_expired`, or `account_erasure`
-- for an erased account's export) and deletes its export row; the job's closing storage_removal
-- phase removes the objects, retries failures with backoff, and audits each removal as
-- `storage_object.removed` (by a hash of the object's name, on the chain without an
-- organisation). Exports are taken `for update skip locked`, so two runs never queue one twice,
-- and the outbox's key keeps one removal per object whatever happens. An archive belongs to an
-- account, not an organisation: the outbox's org_id may now be null.

alter table private.storage_removals alter column org_id drop not null;
comment on column private.storage_removals.org_id is
  'The organisation whose data the object held; null for an account''s own (a data export archive).';

-- Ready exports past their life or whose account was erased, and erased accounts' pending
-- exports that no build holds (their archive may be in the bucket already), at most p_limit of
-- them: the archives Storage holds are queued for removal, and the exports deleted (the ledger
-- keeps the request). Returns how many exports it took.
create function private.data_export_expire(p_limit integer default 100)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_n integer;
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'data_export_expire takes 1 to 1000 exports at a time, got %', p_limit
      using errcode = '22023';
  end if;
  with due as (
    select e.id, coalesce(e.object_name, e.id || '.json') as object_name,
      case when e.user_id is null then 'account_erasure' else 'export_expired' end as cause
    from private.data_exports e
    where (e.status = 'ready' and (e.expires_at <= v_now or e.user_id is null))
      or (e.status = 'pending' and e.user_id is null
          and (e.lease_token is null or e.leased_until <= v_now))
    order by e.expires_at nulls first, e.id
    limit p_limit
    for update skip locked
  ),
  queued as (
    -- Only what Storage holds: an erased account's export may never have been uploaded, and a
    -- removal queued for nothing would be audited as done (as 20261206000200 does for recordings).
    insert into private.storage_removals (bucket_id, object_name, org_id, cause)
    select 'data-exports', d.object_name, null, d.cause from due d
    where exists (select 1 from storage.objects o
                  where o.bucket_id = 'data-exports' and o.name = d.object_name)
    order by d.object_name
    on conflict (bucket_id, object_name) do nothing
  )
  delete from private.data_exports e using due d where e.id = d.id;
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;

revoke all on function private.data_export_expire(integer)
  from public, anon, authenticated, service_role;

drop function private.data_export_expired(integer);
drop function private.data_export_removed(uuid[]);
