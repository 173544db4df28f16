// Each section's promise (the security page's words) and the tests that prove it, as README.md's
// "The promises, and what proves each" lists them. Paths are relative to the repository root.
import type { TestLink } from "./model.ts";

const pgtap = (name: string): TestLink => ({
  name,
  path: `supabase/tests/database/${name}.test.sql`,
});
const deno = (name: string): TestLink => ({ name, path: `supabase/functions/tests/${name}.ts` });

export interface Promise {
  title: string;
  promise: string;
  tests: TestLink[];
}

export const PROMISES = {
  isolation: {
    title: "Isolation",
    promise: "All data is protected by PostgreSQL RLS policies, ensuring users can only access " +
      "their own organization's data. Data is completely isolated between organizations.",
    tests: [
      pgtap("01_rls_catalog"),
      pgtap("02_isolation_matrix_surveys"),
      pgtap("02_isolation_matrix_org"),
      pgtap("02_isolation_matrix_media"),
      pgtap("03_storage_isolation"),
      pgtap("05_advisors"),
      pgtap("06_tenancy_no_existence_oracles"),
    ],
  },
  soft_delete: {
    title: "Soft delete and purge",
    promise: "When you delete a survey, it's marked as deleted but retained for 30 days for " +
      "recovery purposes. After 30 days, surveys are automatically purged from all systems.",
    tests: [
      pgtap("10_soft_delete"),
      pgtap("11_soft_delete_trash_and_restore"),
      pgtap("17_soft_delete_deadlines_and_input"),
      pgtap("30_retention_purge"),
      pgtap("33_hard_delete"),
      deno("retention_purge_test"),
    ],
  },
  recordings: {
    title: "Recordings",
    promise: "Voice recordings are deleted when their parent survey is permanently deleted.",
    tests: [
      pgtap("33_hard_delete"),
      pgtap("07_recordings_storage_uploads_and_orphans"),
      deno("retention_purge_test"),
      { name: "concurrency/races_test", path: "supabase/tests/concurrency/races_test.ts" },
    ],
  },
  account_erasure: {
    title: "Account erasure",
    promise: "When you delete your account, all associated data is removed within 7 days.",
    tests: [
      pgtap("21_account_erasure"),
      pgtap("23_account_erasure_resume_and_overdue"),
      pgtap("24_account_erasure_deadlines_and_queue"),
      pgtap("34_organization_deletion"),
      deno("account_erasure_test"),
    ],
  },
  audit: {
    title: "Audit trail",
    promise: "All data deletions are logged in an immutable audit trail.",
    tests: [
      pgtap("12_audit_append_only"),
      pgtap("13_audit_tamper_evidence"),
      pgtap("15_audit_chain_heads_and_anchors"),
      deno("audit_anchor_test"),
      { name: "audit-verify_test", path: "scripts/audit-verify_test.ts" },
    ],
  },
  security_reports: {
    title: "Security reports",
    promise: "We will acknowledge your report within 24 hours and work with you to resolve the " +
      "issue.",
    tests: [pgtap("41_security_reports"), deno("security_report_test"), pgtap("40_mail_outbox")],
  },
  dsr: {
    title: "Data subject requests",
    promise: "GDPR/CCPA: a copy of one's data on request, within the legal deadline.",
    tests: [],
  },
  incidents: {
    title: "Incidents",
    promise: "If we discover a security breach, we will notify affected users within 48 hours " +
      "and provide details of what data was accessed.",
    tests: [],
  },
  job_health: {
    title: "Job health",
    promise: "The scheduled jobs that keep the promises above run, and none of them is failing.",
    tests: [pgtap("32_jobs_health"), pgtap("36_jobs_health_recovery"), pgtap("31_jobs_schedules")],
  },
} satisfies Record<string, Promise>;

export type SectionId = keyof typeof PROMISES;
