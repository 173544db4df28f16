// Runs a scheduled job's handler locally, exactly as the scheduler calls the deployed function
// (there is no `supabase functions serve` here): a POST with the service-role key and a JSON
// body, against the stack's database and Storage API.
import type { Job } from "../../supabase/functions/_shared/job/define.ts";
import { depsFromEnv } from "../../supabase/functions/_shared/job/deps.ts";
import type { JobReport } from "../../supabase/functions/_shared/job/report.ts";
import { jsonLogger, type Logger, stderrLines } from "../../supabase/functions/_shared/logger.ts";
import type { MailConfig } from "../../supabase/functions/_shared/mail/env.ts";
import type { MailTransport } from "../../supabase/functions/_shared/mail/transport.ts";
import { smtpTransport } from "../../supabase/functions/_shared/mail/smtp.ts";
import { accountErasure } from "../../supabase/functions/account-erasure/job.ts";
import { mailSender } from "../../supabase/functions/mail-sender/job.ts";
import { retentionPurge } from "../../supabase/functions/retention-purge/job.ts";
import { securityReportPurge } from "../../supabase/functions/security-report-purge/job.ts";
import { dsrLedgerPurge } from "../../supabase/functions/dsr-ledger-purge/job.ts";
import { dataExport } from "../../supabase/functions/data-export/job.ts";
import { receiptSignerFrom } from "../../supabase/functions/_shared/dsr/receipt.ts";
import {
  type ExportStore,
  storageExportStore,
} from "../../supabase/functions/data-export/store.ts";
import { loadAnchorSinkSettings, loadStackEnv, stackSetting } from "./stack-env.ts";

/**
 * Locally, mail goes to the stack's mail catcher (MAIL_SMTP_URL in stack.env), read when a
 * message is sent, so listing the jobs needs no running stack.
 */
let localSmtp: MailTransport | null = null;
const localMail: MailConfig = {
  transport: {
    kind: "smtp",
    send: (mail, timeoutMs) => {
      localSmtp ??= smtpTransport(stackSetting("MAIL_SMTP_URL") ?? "smtp://127.0.0.1:54325");
      return localSmtp.send(mail, timeoutMs);
    },
    close: () => localSmtp?.close?.(),
  },
  from: "Cluso Security <security@cluso.ai>",
  timeoutMs: 5_000,
};

/** Locally, archives go to the stack's Storage API, found when one is stored. */
let localStore: ExportStore | null = null;
function stackExportStore(): ExportStore {
  const stack = loadStackEnv();
  localStore ??= storageExportStore(stack.API_URL, stack.SERVICE_ROLE_KEY);
  return localStore;
}
const localExportStore: ExportStore = {
  put: (name, body) => stackExportStore().put(name, body),
};

/** Every scheduled job, by its Edge Function name. */
export const JOBS: ReadonlyMap<string, Job> = new Map(
  [
    retentionPurge,
    accountErasure,
    mailSender(localMail),
    securityReportPurge,
    dsrLedgerPurge,
    dataExport(localExportStore, receiptSignerFrom(stackSetting)),
  ].map((
    job,
  ): [string, Job] => [
    job.name,
    job,
  ]),
);

/** The stack's settings under the names the Edge Runtime gives a deployed function. */
function edgeEnv(): Record<string, string | undefined> {
  const stack = loadStackEnv();
  const anchorSink = loadAnchorSinkSettings();
  return {
    SUPABASE_URL: stack.API_URL,
    SUPABASE_DB_URL: stack.DB_URL,
    SUPABASE_SERVICE_ROLE_KEY: stack.SERVICE_ROLE_KEY,
    SUPABASE_JWT_SECRET: stack.JWT_SECRET,
    STORAGE_TIMEOUT_MS: Deno.env.get("STORAGE_TIMEOUT_MS"),
    AUDIT_ANCHOR_URL: anchorSink?.url,
    AUDIT_ANCHOR_TOKEN: anchorSink?.token,
    AUDIT_ANCHOR_TIMEOUT_MS: Deno.env.get("AUDIT_ANCHOR_TIMEOUT_MS"),
  };
}

/** The function's structured logs on stderr (stdout stays for the caller's output). */
export function stderrLogger(job: string): Logger {
  return jsonLogger({ job }, stderrLines);
}

export interface LocalRun {
  status: number;
  report: JobReport;
}

/** One run of the job; `body` is sent as is (empty: all defaults). */
export async function runLocalJob(job: Job, body = "", logger?: Logger): Promise<LocalRun> {
  const env = edgeEnv();
  const deps = depsFromEnv(job.name, env, logger ? { logger } : {});
  try {
    const res = await job.handler(deps)(
      new Request(`http://localhost/functions/v1/${job.name}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.SUPABASE_SERVICE_ROLE_KEY}`,
          "content-type": "application/json",
        },
        body,
      }),
    );
    const answer = await res.json();
    // A refused request (bad body) answers only {error}; report it in the same shape.
    const report: JobReport = "run_id" in answer ? answer : {
      job: job.name,
      run_id: "",
      ok: false,
      phases: [],
      totals: {},
      backlog: {},
      stopped_early: false,
      ms: 0,
      error: `HTTP ${res.status}: ${answer.error}`,
    };
    return { status: res.status, report };
  } finally {
    await deps.sql.end({ timeout: 5 });
  }
}
