-- An account's export shows an organisation's current data only to its members.
--
-- The organizations_created and surveys_created sections list what the account created, by
-- created_by alone, with the current name, title, slug and trash state. A member who created a
-- survey and was then removed read, in their own export, the title the organisation gave it
-- after they left and whether it was in the trash: data RLS hides from them, and not theirs.
-- For an organisation the account no longer belongs to, those sections now keep what is the
-- account's own (the ids, and when it created them) and give null for the organisation's
-- current name, the survey's title and slug and its trash state. recordings_created carries no
-- such field. docs/DATA_SUBJECT_RIGHTS.md says so; 51_dsr_account_export EXP-039..041 check it.
--
-- The recording access log's page cursor was the greatest `accessed_at::text || '|' || name`
-- of the page, which is the page's last row only while the session's UTC offset stays the same:
-- across a change to or from daylight saving time the next page repeated rows. It is now the
-- last row's key with its time in UTC (EXP-042).
--
-- data_export_page is restated whole; the changes are those three sections.

create or replace function private.data_export_page(
  p_export_id uuid, p_lease_token uuid, p_section text, p_after text, p_limit integer
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := (private.data_export_leased(p_export_id, p_lease_token)).user_id;
  v_limit integer := least(greatest(coalesce(p_limit, 500), 1), 5000);
  v_items jsonb;
  v_next text;
begin
  case p_section
  when 'account' then
    select jsonb_agg(jsonb_build_object('user_id', u.id, 'email', u.email, 'phone', u.phone,
        'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at,
        'display_name', p.display_name, 'profile_updated_at', p.updated_at))
    into v_items
    from auth.users u left join public.profiles p on p.id = u.id
    where u.id = v_user;
  when 'memberships' then
    select jsonb_agg(jsonb_build_object('org_id', m.org_id, 'organization', o.name,
        'role', m.role, 'since', m.created_at) order by m.org_id),
      max(m.org_id::text)
    into v_items, v_next
    from (select * from public.memberships m where m.user_id = v_user
            and m.org_id::text > coalesce(p_after, '') order by m.org_id limit v_limit) m
    join public.organizations o on o.id = m.org_id;
  when 'membership_history' then
    select jsonb_agg(jsonb_build_object('org_id', h.org_id, 'event', h.event, 'role', h.role,
        'reason', h.reason, 'occurred_at', h.occurred_at) order by h.id),
      max(h.id)::text
    into v_items, v_next
    from (select * from audit.membership_events h where h.user_id = v_user
            and h.id > coalesce(p_after::bigint, 0) order by h.id limit v_limit) h;
  when 'invitations_received' then
    select jsonb_agg(jsonb_build_object('org_id', i.org_id, 'role', i.role,
        'invited_by', i.invited_by, 'created_at', i.created_at) order by i.org_id),
      max(i.org_id::text)
    into v_items, v_next
    from (select * from public.invitations i where i.user_id = v_user
            and i.org_id::text > coalesce(p_after, '') order by i.org_id limit v_limit) i;
  when 'invitations_sent' then
    -- Whom they invited is the invitee's data: only where, which role and when.
    select jsonb_agg(jsonb_build_object('org_id', i.org_id, 'role', i.role,
        'created_at', i.created_at) order by i.org_id, i.user_id),
      max(i.org_id::text || '/' || i.user_id::text)
    into v_items, v_next
    from (select * from public.invitations i where i.invited_by = v_user
            and (i.org_id::text || '/' || i.user_id::text) > coalesce(p_after, '')
          order by i.org_id, i.user_id limit v_limit) i;
  when 'organizations_created' then
    select jsonb_agg(jsonb_build_object('id', o.id,
        'name', case when exists (select 1 from public.memberships m
          where m.org_id = o.id and m.user_id = v_user) then o.name end,
        'created_at', o.created_at) order by o.id),
      max(o.id::text)
    into v_items, v_next
    from (select * from public.organizations o where o.created_by = v_user
            and o.id::text > coalesce(p_after, '') order by o.id limit v_limit) o;
  when 'surveys_created' then
    select jsonb_agg(case when exists (select 1 from public.memberships m
          where m.org_id = s.org_id and m.user_id = v_user)
        then jsonb_build_object('id', s.id, 'org_id', s.org_id, 'title', s.title,
          'slug', s.slug, 'created_at', s.created_at, 'deleted_at', s.deleted_at)
        else jsonb_build_object('id', s.id, 'org_id', s.org_id, 'title', null, 'slug', null,
          'created_at', s.created_at, 'deleted_at', null) end order by s.id),
      max(s.id::text)
    into v_items, v_next
    from (select * from public.surveys s where s.created_by = v_user
            and s.id > coalesce(p_after::uuid, '00000000-0000-0000-0000-000000000000')
          order by s.id limit v_limit) s;
  when 'recordings_created' then
    select jsonb_agg(jsonb_build_object('id', r.id, 'org_id', r.org_id,
        'survey_id', r.survey_id, 'duration_ms', r.duration_ms, 'mime_type', r.mime_type,
        'created_at', r.created_at) order by r.id),
      max(r.id::text)
    into v_items, v_next
    from (select * from public.recordings r where r.created_by = v_user
            and r.id > coalesce(p_after::uuid, '00000000-0000-0000-0000-000000000000')
          order by r.id limit v_limit) r;
  when 'recording_access_log' then
    select jsonb_agg(jsonb_build_object('accessed_at', a.accessed_at, 'org_id', a.org_id,
        'survey_id', a.survey_id, 'recording_id', a.recording_id,
        'access_path', a.access_path) order by a.accessed_at, a.object_name),
      -- The last row's key, its time written in UTC: the greatest text of the page is not
      -- the last row where the session's offset changes within it (daylight saving time) or
      -- where the collation sets punctuation aside.
      (array_agg(to_char(a.accessed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || '|' || a.object_name order by a.accessed_at desc, a.object_name desc))[1]
    into v_items, v_next
    from (select * from audit.recording_access a where a.user_id = v_user
            and (p_after is null or (a.accessed_at, a.object_name) >
              (split_part(p_after, '|', 1)::timestamptz, split_part(p_after, '|', 2)))
          order by a.accessed_at, a.object_name limit v_limit) a;
  else
    raise exception 'unknown export section' using errcode = '22023';
  end case;
  v_items := coalesce(v_items, '[]');
  return jsonb_build_object('items', v_items,
    'next', case when jsonb_array_length(v_items) >= v_limit and p_section <> 'account'
              then v_next end);
end;
$$;
