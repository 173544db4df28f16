-- An archive uploaded for an account erased before its export finished leaves Storage too.
--
-- The data-export job uploads `<export id>.json`, then calls data_export_finish. When the account
-- is erased in between, the finish is refused (the export no longer has its user) and the build
-- fails; data_export_removed then deleted the still-pending row, while data_export_expired listed
-- ready exports only: the uploaded archive, the account's data, stayed in the bucket for good.
--
-- data_export_expired now also lists an erased account's pending export once no build holds it,
-- under the name the build gives its archive (removing a name Storage does not hold is a no-op),
-- and data_export_removed deletes exactly the exports it is given, so none is forgotten before
-- its archive has been removed.

create or replace function private.data_export_expired(p_limit integer default 100)
returns table (id uuid, object_name text)
language sql
stable
security definer
set search_path = ''
as $$
  select e.id, coalesce(e.object_name, e.id || '.json') from private.data_exports e
  where (e.status = 'ready' and (e.expires_at <= private.current_time() or e.user_id is null))
    or (e.status = 'pending' and e.user_id is null
        and (e.lease_token is null or e.leased_until <= private.current_time()))
  order by e.expires_at nulls first, e.id
  limit p_limit;
$$;

create or replace function private.data_export_removed(p_ids uuid[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_n integer;
begin
  delete from private.data_exports e where e.id = any (p_ids);
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;
