// The mail configuration (docs/SECURITY_REPORTS.md, "Mail"), validated once at start-up.
// Errors name the variables, never their values (the URLs may hold credentials).
import { z } from "zod";
import { httpTransport } from "./http.ts";
import { smtpTransport } from "./smtp.ts";
import type { MailTransport } from "./transport.ts";

/** Hosted Edge Functions cannot open outgoing connections to these SMTP ports. */
const BLOCKED_SMTP_PORTS = new Set(["25", "587"]);

const MailEnv = z.discriminatedUnion("MAIL_TRANSPORT", [
  z.object({
    MAIL_TRANSPORT: z.literal("smtp"),
    MAIL_SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .refine((url) => !BLOCKED_SMTP_PORTS.has(new URL(url).port || "25"), {
        message: "ports 25 and 587 are blocked on hosted Edge Functions; use 465 or 2525",
      }),
  }),
  z.object({
    MAIL_TRANSPORT: z.literal("http"),
    MAIL_HTTP_URL: z.string().url().startsWith("https://", "must be https"),
    MAIL_HTTP_KEY: z.string().min(8),
  }),
]).and(z.object({
  MAIL_FROM: z.string().min(3),
  MAIL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
}));

export interface MailConfig {
  transport: MailTransport;
  from: string;
  timeoutMs: number;
}

export function mailConfigFromEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): MailConfig {
  const parsed = MailEnv.safeParse({ MAIL_TRANSPORT: "smtp", ...definedOnly(source) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid mail environment: ${problems.join("; ")}`);
  }
  const env = parsed.data;
  const transport = env.MAIL_TRANSPORT === "smtp"
    ? smtpTransport(env.MAIL_SMTP_URL)
    : httpTransport({ url: env.MAIL_HTTP_URL, apiKey: env.MAIL_HTTP_KEY });
  return { transport, from: env.MAIL_FROM, timeoutMs: env.MAIL_TIMEOUT_MS };
}

function definedOnly(source: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
}
