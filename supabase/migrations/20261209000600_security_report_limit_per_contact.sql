-- The web intake's rate limit also counts the contact's mailbox: whatever source a sender claims,
-- the form has one mailbox sent at most 5 acknowledgements an hour.
--
-- The public endpoint's limit keys on the client's IP, the first entry of x-forwarded-for. Kong
-- (the local stack, self-hosting) appends to a client-sent x-forwarded-for, so that entry is the
-- client's own word there; for hosted Edge Functions the behaviour is not documented. A sender
-- who varies the header escapes the per-source limit, and every accepted report is acknowledged
-- by mail to the contact it names: anyone's address, as often as they like. The submission now
-- also counts a keyed hash of the contact's mailbox (made by the Edge Function with the same
-- secret from the address lower-cased, without a "+tag", and without dots for Gmail), and is
-- refused when either count is over the limit. Refused attempts count, as before. The price:
-- whoever names a reporter's address 5 times in an hour holds up the web form for that address
-- until the hour ends; the contact's key is not inbound mail's, so reporting by mail stays open.
-- The signature gains p_contact_hash, so the function is dropped and created again.

drop function private.security_report_submit(text, text, text, text, text, text, integer);

-- Stores a report and queues its acknowledgement, unless its source or its contact has already
-- submitted p_limit_per_hour times this hour (every attempt counts, refused ones too). Answers
-- {"accepted": true, "reference": ...} or {"accepted": false, "reason": "rate_limited"}.
create function private.security_report_submit(
  p_source_hash text,
  p_channel text,
  p_contact text,
  p_summary text,
  p_details text,
  p_severity text default null,
  p_limit_per_hour integer default 5,
  p_contact_hash text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_submissions integer;
  v_contact_submissions integer := 0;
  v_report private.security_reports;
begin
  insert into private.security_report_sources as s (source_hash, window_start, submissions)
  values (p_source_hash, date_trunc('hour', v_now), 1)
  on conflict (source_hash, window_start) do update set submissions = s.submissions + 1
  returning s.submissions into v_submissions;
  -- The contact's own count, unless the source already is the contact (inbound mail).
  if p_contact_hash is not null and p_contact_hash <> p_source_hash then
    insert into private.security_report_sources as s (source_hash, window_start, submissions)
    values (p_contact_hash, date_trunc('hour', v_now), 1)
    on conflict (source_hash, window_start) do update set submissions = s.submissions + 1
    returning s.submissions into v_contact_submissions;
  end if;
  if v_submissions > p_limit_per_hour or v_contact_submissions > p_limit_per_hour then
    return jsonb_build_object('accepted', false, 'reason', 'rate_limited');
  end if;

  insert into private.security_reports (reference, channel, reporter_contact, summary, details,
    severity, received_at)
  values ('SR-' || upper(left(replace(gen_random_uuid()::text, '-', ''), 12)), p_channel,
    p_contact, p_summary, p_details, p_severity, v_now)
  returning * into v_report;

  update private.security_reports r
  set ack_mail_id = private.mail_enqueue(p_contact, 'security_report_ack',
    jsonb_build_object('reference', v_report.reference, 'channel', p_channel))
  where r.id = v_report.id;

  perform audit.record_events('security_report.received', 'private.security_reports', p_channel,
    array[null::uuid], array[v_report.id::text],
    array[jsonb_build_object('details_length', char_length(p_details),
      'severity_given', p_severity is not null)],
    p_actor_job => 'security_report_intake');
  return jsonb_build_object('accepted', true, 'reference', v_report.reference);
end;
$$;

revoke all on function
  private.security_report_submit(text, text, text, text, text, text, integer, text)
  from public, anon, authenticated, service_role;
