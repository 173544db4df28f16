// How a rendered mail leaves: one interface, two transports chosen by configuration
// (MAIL_TRANSPORT): SMTP with nodemailer (smtp.ts) or a provider's HTTP API (http.ts).

export interface OutgoingMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  /** Stable per outbox message: a resend after a crash carries the same one. */
  messageId: string;
  /** Stable per outbox message: an HTTP provider drops a second send with the same key. */
  idempotencyKey: string;
}

export interface SendResult {
  /** Why it did not leave (an SMTP reply or an HTTP status line), or null when it did. */
  error: string | null;
  /**
   * The failure is the transport's, not this message's (no connection, timeout, 429 or 5xx
   * from the provider): sending the next message now would fail the same way.
   */
  unavailable: boolean;
}

export interface MailTransport {
  /** e.g. "smtp" or "http", for the job's report. */
  kind: string;
  /** Never throws. */
  send(mail: OutgoingMail, timeoutMs: number): Promise<SendResult>;
  /** Ends the connection a run opened (called when the run's sending ends). */
  close?(): void;
}

const MAX_ERROR_LENGTH = 300;

export function sendError(text: string, unavailable: boolean): SendResult {
  return { error: text.slice(0, MAX_ERROR_LENGTH), unavailable };
}

export const SENT: SendResult = { error: null, unavailable: false };
