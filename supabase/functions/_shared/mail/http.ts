// Delivery through a provider's HTTP API, the path Supabase documents for sending mail from
// Edge Functions (e.g. Resend: POST https://api.resend.com/emails, Bearer key, JSON body). The
// Idempotency-Key header makes a resend after a crash a no-op at the provider.
import { type MailTransport, sendError, SENT } from "./transport.ts";

export interface HttpTransportConfig {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
}

export function httpTransport(config: HttpTransportConfig): MailTransport {
  const doFetch = config.fetch ?? fetch;
  return {
    kind: "http",
    async send(mail, timeoutMs) {
      let response: Response;
      try {
        response = await doFetch(config.url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${config.apiKey}`,
            "content-type": "application/json",
            "idempotency-key": mail.idempotencyKey,
          },
          body: JSON.stringify({
            from: mail.from,
            to: [mail.to],
            subject: mail.subject,
            text: mail.text,
            headers: { "Message-ID": mail.messageId },
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const reason = err instanceof Error ? err.name : "error";
        return sendError(`HTTP request failed (${reason})`, true);
      }
      // The provider's answer may quote the recipient: only the status is kept.
      await response.body?.cancel();
      if (response.ok) return SENT;
      const unavailable = response.status === 429 || response.status >= 500;
      return sendError(`HTTP ${response.status}`, unavailable);
    },
  };
}
