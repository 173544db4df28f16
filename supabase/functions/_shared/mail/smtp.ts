// SMTP delivery with nodemailer. Hosted Edge Functions refuse outgoing connections to ports 25
// and 587, so production uses implicit TLS on 465 (smtps://) or a provider's alternative port
// such as 2525; env.ts refuses 25 and 587 up front. Locally the target is maildev.
import nodemailer from "nodemailer";
import { type MailTransport, sendError, SENT } from "./transport.ts";

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

interface Transporter {
  sendMail(mail: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** Codes nodemailer gives failures of the connection rather than of the message. */
const CONNECTION_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "EAUTH"]);

/**
 * nodemailer reads a URL's options from its query string only (an options object next to a URL
 * is taken for message defaults), so they are added there, keeping any the URL already sets.
 */
function withOptions(url: string, options: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(options)) {
    if (!parsed.searchParams.has(key)) parsed.searchParams.set(key, value);
  }
  return parsed.toString();
}

/**
 * One pooled connection, opened at the first message of a run and closed by close() when the
 * run's sending ends (a third of the time per message of a connection per message).
 */
export function smtpTransport(url: string): MailTransport {
  let transporter: Transporter | null = null;
  let transporterTimeoutMs = 0;
  const open = (timeoutMs: number): Transporter => {
    if (transporter && transporterTimeoutMs === timeoutMs) return transporter;
    transporter?.close();
    transporterTimeoutMs = timeoutMs;
    transporter = nodemailer.createTransport(withOptions(url, {
      pool: "true",
      maxConnections: "1",
      connectionTimeout: String(timeoutMs),
      greetingTimeout: String(timeoutMs),
      socketTimeout: String(timeoutMs),
    })) as Transporter;
    return transporter;
  };
  const close = () => {
    transporter?.close();
    transporter = null;
  };
  return {
    kind: "smtp",
    async send(mail, timeoutMs) {
      try {
        await open(timeoutMs).sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: mail.messageId,
        });
        return SENT;
      } catch (err) {
        const e = err as SmtpError;
        // 4xx replies are temporary (greylisting, full queue): the server, not the message.
        const unavailable = CONNECTION_CODES.has(e.code ?? "") ||
          (typeof e.responseCode === "number" && e.responseCode < 500);
        // A failed connection is not reused.
        if (unavailable) close();
        const reply = e.responseCode ? `SMTP ${e.responseCode}` : `SMTP ${e.code ?? "error"}`;
        return sendError(`${reply}: ${e.message ?? "unknown"}`, unavailable);
      }
    },
    close,
  };
}
