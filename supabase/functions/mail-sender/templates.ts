// The outbox's templates (private.mail_outbox.template lists the same names). A message is
// rendered when it is sent, from parameters that hold references and codes only, so the outbox
// never keeps rendered text.
import { z } from "zod";

export interface RenderedMail {
  subject: string;
  text: string;
}

const SecurityReportAck = z.object({
  reference: z.string().regex(/^SR-[0-9A-F]{12}$/),
  channel: z.enum(["web", "email"]),
});

const Count = z.number().int().nonnegative();

const IncidentNotice = z.object({
  reference: z.string().regex(/^IN-[0-9A-F]{12}$/),
  detected_at: z.string(),
  window_from: z.string(),
  window_to: z.string(),
  account_compromised: z.boolean(),
  organizations: z.array(z.object({
    org_id: z.string().uuid(),
    surveys: Count,
    responses: Count,
    transcripts: Count,
    recordings: Count,
    recordings_accessed: Count,
  })),
  actions: z.array(z.enum([
    "change_password",
    "review_sessions",
    "review_organization_members",
    "review_recent_activity",
    "inform_respondents",
    "watch_for_phishing",
  ])),
});

/** What each recommended action asks of the recipient (private.incident_actions chooses them). */
const ACTION_TEXT: Record<z.infer<typeof IncidentNotice>["actions"][number], string> = {
  change_password: "Change your Cluso password.",
  review_sessions: "Sign in again and check your recent account activity for anything you did " +
    "not do.",
  review_organization_members: "Review your organisation's members and their roles, and remove " +
    "anyone you do not recognise.",
  review_recent_activity: "Review recent changes to your surveys and responses.",
  inform_respondents: "Recordings of your respondents were accessed: consider whether you need " +
    "to inform them.",
  watch_for_phishing: "Be wary of messages asking for your password or payment details: Cluso " +
    "will never ask for them.",
};

/** An ISO time as "2026-03-01 12:00 UTC". */
function utc(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

const DataExportReady = z.object({
  reference: z.string().regex(/^DSR-[0-9A-F]{12}$/),
  expires_at: z.string().datetime({ offset: true }),
});

const DsrReceipt = z.object({
  reference: z.string().regex(/^DSR-[0-9A-F]{12}$/),
  receipt: z.record(z.unknown()),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
  key_id: z.string().regex(/^[0-9a-f]{16}$/),
});

const templates: Record<string, (params: unknown) => RenderedMail> = {
  dsr_receipt(params) {
    const { reference, receipt, signature, key_id } = DsrReceipt.parse(params);
    const document = { alg: "Ed25519", key_id, receipt, signature };
    return {
      subject: `Receipt for your data request ${reference}`,
      text: [
        `Your request ${reference} has been completed. Below is its receipt, signed by Cluso.`,
        "Keep it: anyone can check it later with Cluso's published public key (save the JSON",
        "below as receipt.json and run scripts/verify-receipt.ts receipt.json <public key>).",
        "",
        JSON.stringify(document, null, 2),
        "",
        "Cluso",
      ].join("\n"),
    };
  },
  data_export_ready(params) {
    const { reference, expires_at } = DataExportReady.parse(params);
    const until = new Date(expires_at).toISOString().replace("T", " ").slice(0, 16) + " UTC";
    return {
      subject: `Your Cluso data export is ready (${reference})`,
      text: [
        "The copy of your data that you asked for is ready.",
        "",
        `Sign in to Cluso and download it from your account settings before ${until}.`,
        "Each download link works for 5 minutes; after that date the export is deleted and you",
        "can ask for a new one.",
        "",
        `Your request's reference is ${reference}.`,
        "",
        "Cluso",
      ].join("\n"),
    };
  },
  security_report_ack(params) {
    const { reference } = SecurityReportAck.parse(params);
    return {
      subject: `Cluso security report received: ${reference}`,
      text: [
        "Thank you for reporting a security issue to Cluso.",
        "",
        `We have received your report. Its tracking reference is ${reference}.`,
        "Please quote it in any follow-up to security@cluso.ai.",
        "",
        "Our security team reviews every report and will work with you to resolve the issue.",
        "Please do not disclose it publicly until we have resolved it.",
        "",
        "Cluso Security",
      ].join("\n"),
    };
  },
  incident_notice(params) {
    const p = IncidentNotice.parse(params);
    const data = p.organizations.flatMap((o) => [
      `Organisation ${o.org_id}:`,
      `  surveys: ${o.surveys}, responses: ${o.responses}, transcripts: ${o.transcripts}, ` +
      `recordings: ${o.recordings}`,
      `  recordings actually played or downloaded: ${o.recordings_accessed}`,
    ]);
    return {
      subject: `Cluso security incident ${p.reference}: what it means for your data`,
      text: [
        `On ${utc(p.detected_at)} we detected a security incident (reference ${p.reference}).`,
        p.account_compromised
          ? "Your Cluso account was used by someone other than you."
          : "It affected data you have access to in Cluso.",
        "",
        `Period concerned: ${utc(p.window_from)} to ${utc(p.window_to)}.`,
        ...(data.length
          ? ["", "Data that could be read during that period:", ...data]
          : ["", "No organisation data of yours could be read."]),
        "",
        "What we recommend:",
        ...p.actions.map((a) => `- ${ACTION_TEXT[a]}`),
        "",
        `We are investigating and putting preventive measures in place. Quote ${p.reference} ` +
        "in any question to security@cluso.ai.",
        "",
        "Cluso Security",
      ].join("\n"),
    };
  },
};

/** Renders a message; throws when the template is unknown or its parameters do not fit it. */
export function render(template: string, params: unknown): RenderedMail {
  const fn = templates[template];
  if (!fn) throw new Error(`unknown mail template ${template}`);
  return fn(params);
}
