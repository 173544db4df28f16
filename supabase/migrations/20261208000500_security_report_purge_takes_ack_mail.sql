-- A purged security report takes its acknowledgement mail with it.
--
-- The acknowledgement sits in the mail outbox with the reporter's address. Sent mail leaves the
-- outbox after 30 days, but an acknowledgement that failed (or is still queued) stayed there for
-- good, and with it the reporter's address, past the 365-day retention that removes the report
-- itself (20261202000200_security_reports). security_report_purge now deletes the purged
-- reports' acknowledgements in whatever state they are, and counts them.

create or replace function private.security_report_purge(p_limit integer default 1000)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_purged uuid[];
  v_ack_mails uuid[];
  v_sources integer;
begin
  with purged as (
    delete from private.security_reports r
    where r.id in (select c.id from private.security_reports c
                   where c.status = 'closed' and c.closed_at < v_now - interval '365 days'
                   order by c.closed_at limit p_limit)
    returning r.id, r.ack_mail_id
  )
  select array_agg(p.id order by p.id), array_agg(p.ack_mail_id) filter (where p.ack_mail_id is not null)
  into v_purged, v_ack_mails
  from purged p;
  if v_purged is not null then
    perform audit.record_events('security_report.purged', 'private.security_reports',
      'retention_expired', array(select null::uuid from unnest(v_purged)),
      array(select i::text from unnest(v_purged) i), p_actor_job => 'security_report_purge');
  end if;
  delete from private.mail_outbox m where m.id = any (v_ack_mails);
  delete from private.security_report_sources s where s.window_start < v_now - interval '1 day';
  get diagnostics v_sources = row_count;
  return jsonb_build_object('reports_purged', coalesce(cardinality(v_purged), 0),
    'ack_mails_purged', coalesce(cardinality(v_ack_mails), 0),
    'rate_windows_purged', v_sources);
end;
$$;
