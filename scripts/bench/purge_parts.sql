-- Copies of private.hard_delete_surveys, each without one of the purge's guarantees, for the
-- purge_guarantees phase of scripts/bench/main.ts (scripts/bench/purge_parts.ts). Derived from
-- the live definition, like the audit benchmark's baseline in build.sql, so they follow the
-- migrations; a derivation that no longer matches the definition fails loudly.
--   bench.hard_delete_surveys_nooutbox  no Storage outbox rows (nor the folder reads for them)
--   bench.hard_delete_surveys_nocounts  every child count 0 (no counting before the delete)
--   bench.hard_delete_surveys_noaudit   no audit events (made by build.sql)
do $$
declare
  v_def text := pg_get_functiondef('private.hard_delete_surveys(uuid[], text, text, uuid)'::regprocedure);
  v_new text;
begin
  v_new := regexp_replace(v_def,
    'insert into private\.storage_removals .*?on conflict \(bucket_id, object_name\) do nothing;',
    '-- (Storage outbox removed)');
  if v_new = v_def or v_new ~ 'storage_removals' then
    raise exception 'bench: cannot derive an outbox-free copy of private.hard_delete_surveys';
  end if;
  execute replace(v_new, 'FUNCTION private.hard_delete_surveys(',
    'FUNCTION bench.hard_delete_surveys_nooutbox(');

  v_new := regexp_replace(v_def,
    '\(select count\(\*\) from public\.(questions|responses|recordings|transcripts) c\s+where c\.org_id = s\.org_id and c\.survey_id = s\.id and c\.survey_live = s\.live\)',
    '0::bigint', 'g');
  if v_new ~ 'count\(\*\)' or (length(v_def) - length(v_new)) < 400 then
    raise exception 'bench: cannot derive a count-free copy of private.hard_delete_surveys';
  end if;
  execute replace(v_new, 'FUNCTION private.hard_delete_surveys(',
    'FUNCTION bench.hard_delete_surveys_nocounts(');
end;
$$;
