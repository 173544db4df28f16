// The public security-report endpoint (docs/SECURITY_REPORTS.md). Anyone may call it, signed in
// or not. A report that fits is stored where no API client can read it and acknowledged by mail
// with its tracking reference; the answer carries the reference too.
//   405 not a POST · 415 not JSON · 413 too large (body or a field) · 400 malformed or empty
//   429 too many reports from this source, or for this contact, this hour · 202 stored
import { z } from "zod";
import { HttpError, json } from "../_shared/http.ts";
import { readBoundedText } from "../_shared/security-report/body.ts";
import type { IntakeDeps } from "../_shared/security-report/deps.ts";
import { LIMITS, SEVERITIES, submitReport } from "../_shared/security-report/report.ts";
import { answer, CORS_HEADERS } from "../_shared/security-report/respond.ts";
import { clientIp, contactKey, sourceHash } from "../_shared/security-report/source.ts";

/** The largest body read: the fields' limits in UTF-8 with room for JSON escaping. */
export const MAX_BODY_BYTES = 64 * 1024;

const text = (max: number) => z.string().trim().min(1).max(max);

const Report = z.object({
  contact: z.string().trim().max(LIMITS.contact).email(),
  summary: text(LIMITS.summary),
  details: text(LIMITS.details),
  severity: z.enum(SEVERITIES).nullish(),
}).strict();

/** Fixed wording per problem: zod's own messages may quote the value sent. */
function problem(issue: z.ZodIssue): { status: number; text: string } {
  const field = typeof issue.path[0] === "string" ? issue.path[0] : "body";
  switch (issue.code) {
    case "too_big":
      return { status: 413, text: `${field}: too long` };
    case "too_small":
      return { status: 400, text: `${field}: empty` };
    case "invalid_string":
      return { status: 400, text: `${field}: not an email address` };
    case "invalid_enum_value":
      return { status: 400, text: `${field}: must be one of ${SEVERITIES.join(", ")}` };
    case "unrecognized_keys":
      return { status: 400, text: "unknown fields (expected contact, summary, details, severity)" };
    case "invalid_type":
      return {
        status: 400,
        text: `${field}: ${issue.received === "undefined" ? "missing" : "wrong type"}`,
      };
    default:
      return { status: 400, text: `${field}: invalid` };
  }
}

function parseReport(raw: string): z.output<typeof Report> {
  if (raw.trim() === "") throw new HttpError(400, "body: empty");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new HttpError(400, "body: not valid JSON");
  }
  const parsed = Report.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(problem);
  const status = problems.some((p) => p.status === 413) ? 413 : 400;
  throw new HttpError(status, `invalid report: ${problems.map((p) => p.text).join("; ")}`);
}

export function securityReportHandler(deps: IntakeDeps) {
  return (req: Request): Promise<Response> =>
    answer(deps.logger, async () => {
      if (req.method === "OPTIONS") {
        return new Response(null, { status: 204, headers: CORS_HEADERS });
      }
      if (req.method !== "POST") throw new HttpError(405, "use POST");
      const type = req.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
      if (type !== "application/json") {
        throw new HttpError(415, "send the report as application/json");
      }
      const report = parseReport(await readBoundedText(req, MAX_BODY_BYTES));
      const keys = {
        source: await sourceHash(deps.hashSecret, clientIp(req)),
        contact: await sourceHash(deps.hashSecret, contactKey(report.contact)),
      };
      const reference = await submitReport(
        deps.sql,
        {
          channel: "web",
          contact: report.contact,
          summary: report.summary,
          details: report.details,
          severity: report.severity ?? null,
        },
        keys,
      );
      deps.logger.info("security report received", { reference, channel: "web" });
      return json(
        {
          reference,
          message: "Thank you. Your report is stored and an acknowledgement with this reference " +
            "is on its way to you by email. We will work with you to resolve the issue.",
        },
        202,
        CORS_HEADERS,
      );
    }, CORS_HEADERS);
}
