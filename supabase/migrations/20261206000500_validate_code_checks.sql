-- Validates the short-code checks 20261206000100_cheap_code_checks.sql added `not valid`.
--
-- A migration runs in a transaction of its own, so the table locks that migration took are gone:
-- VALIDATE CONSTRAINT reads every row under a lock that lets inserts and updates go on, so a large
-- audit trail keeps taking audited deletions while it is checked. The rows already passed the
-- equivalent checks these replaced; this makes that a fact the catalog records
-- (pg_constraint.convalidated).

alter table public.surveys validate constraint surveys_slug_check;
alter table private.storage_removals validate constraint storage_removals_cause_check;

grant cluso_audit_owner to postgres;
set role cluso_audit_owner;

alter table audit.events validate constraint events_actor_job_check;
alter table audit.events validate constraint events_reason_check;
alter table audit.membership_events validate constraint membership_events_reason_check;

reset role;
revoke cluso_audit_owner from postgres;
