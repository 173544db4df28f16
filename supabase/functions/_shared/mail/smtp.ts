// SMTP delivery with nodemailer. Hosted Edge Functions refuse outgoing connections to ports 25
// and 587, so production uses implicit TLS on 465 (smtps://) or a provider's alternative port
// such as 2525; mail-env.ts refuses 25 and 587 up front. Locally the target is maildev.
import nodemailer from "nodemailer";
import { type MailTransport, sendError, SENT } from "./transport.ts";

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Codes nodemailer gives failures of the connection rather than of the message. */
const CONNECTION_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "EAUTH"]);

export function smtpTransport(url: string): MailTransport {
  return {
    kind: "smtp",
    async send(mail, timeoutMs) {
      // One connection per message: a sender runs once a minute and sends a handful.
      const transporter = nodemailer.createTransport(url, {
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      try {
        await transporter.sendMail({
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
        const reply = e.responseCode ? `SMTP ${e.responseCode}` : `SMTP ${e.code ?? "error"}`;
        return sendError(`${reply}: ${e.message ?? "unknown"}`, unavailable);
      } finally {
        transporter.close();
      }
    },
  };
}
