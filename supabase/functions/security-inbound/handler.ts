// Mail to the security address, as the provider's inbound parsing posts it (Postmark-style
// JSON: From / FromFull, Subject, TextBody, HtmlBody), reaches the same intake as the web
// form: stored, rate limited per sender (keyed hash of the address) and acknowledged by mail
// with a tracking reference.
//   405 not a POST · 401 missing or bad signature · 413 too large · 400 malformed
//   429 too many reports from this sender this hour · 200 stored (providers expect a 2xx)
import { z } from "zod";
import { HttpError, json } from "../_shared/http.ts";
import { readBoundedText } from "../_shared/security-report/body.ts";
import type { IntakeDeps } from "../_shared/security-report/deps.ts";
import { LIMITS, submitReport } from "../_shared/security-report/report.ts";
import { answer } from "../_shared/security-report/respond.ts";
import { senderKey, sourceHash } from "../_shared/security-report/source.ts";
import { SIGNATURE_HEADER, signatureIsValid } from "./signature.ts";

/** Providers post the whole message; attachments are not read but count towards this. */
export const MAX_INBOUND_BYTES = 512 * 1024;

const Inbound = z.object({
  From: z.string().optional(),
  FromFull: z.object({ Email: z.string() }).partial().optional(),
  Subject: z.string().optional(),
  TextBody: z.string().optional(),
  HtmlBody: z.string().optional(),
}).passthrough();

const Email = z.string().email().max(LIMITS.contact);

function senderAddress(mail: z.output<typeof Inbound>): string {
  const candidate = mail.FromFull?.Email ?? /<([^>]+)>/.exec(mail.From ?? "")?.[1] ?? mail.From;
  const parsed = Email.safeParse(candidate?.trim());
  if (!parsed.success) throw new HttpError(400, "From: not an email address");
  return parsed.data.toLowerCase();
}

/** Mail cannot be sent back for being long: it is cut to the limits, saying so. */
function fit(text: string, max: number): string {
  const marker = " [truncated]";
  return text.length <= max ? text : text.slice(0, max - marker.length) + marker;
}

function plainText(html: string): string {
  return html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ").trim();
}

export function securityInboundHandler(deps: IntakeDeps) {
  return (req: Request): Promise<Response> =>
    answer(deps.logger, async () => {
      if (req.method !== "POST") throw new HttpError(405, "use POST");
      const raw = await readBoundedText(req, MAX_INBOUND_BYTES);
      if (
        !deps.inboundSecret ||
        !await signatureIsValid(deps.inboundSecret, raw, req.headers.get(SIGNATURE_HEADER))
      ) {
        throw new HttpError(401, "missing or invalid signature");
      }
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new HttpError(400, "body: not valid JSON");
      }
      const parsed = Inbound.safeParse(value);
      if (!parsed.success) throw new HttpError(400, "body: not an inbound mail");
      const mail = parsed.data;
      const contact = senderAddress(mail);
      const details = mail.TextBody?.trim() || plainText(mail.HtmlBody ?? "");
      if (details === "") throw new HttpError(400, "TextBody: empty");
      const reference = await submitReport(
        deps.sql,
        {
          channel: "email",
          contact,
          summary: fit(mail.Subject?.trim() || "(no subject)", LIMITS.summary),
          details: fit(details, LIMITS.details),
          severity: null,
        },
        { source: await sourceHash(deps.hashSecret, senderKey(contact)) },
      );
      deps.logger.info("security report received", { reference, channel: "email" });
      return json({ reference }, 200);
    });
}
