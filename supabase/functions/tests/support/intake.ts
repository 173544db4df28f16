// Test support for the security-report intakes: both handlers wired to the stack as deployed
// (their own pool, a hash secret, the inbound signing secret), requests as a browser or the
// mail provider sends them, and the observations the tests make.
import { createSql, type Sql } from "../../_shared/db.ts";
import type { IntakeDeps } from "../../_shared/security-report/deps.ts";
import { securityInboundHandler } from "../../security-inbound/handler.ts";
import { SIGNATURE_HEADER, signBody } from "../../security-inbound/signature.ts";
import { securityReportHandler } from "../../security-report/handler.ts";
import { capturingLogger, type LogLine } from "./job.ts";
import { stack } from "./stack.ts";

export const INBOUND_SECRET = "test-inbound-signing-secret";

export interface Intake {
  report: (req: Request) => Promise<Response>;
  inbound: (req: Request) => Promise<Response>;
  logs: LogLine[];
  hashSecret: string;
  close: () => Promise<void>;
}

export function testIntake(): Intake {
  const logger = capturingLogger();
  const deps: IntakeDeps = {
    sql: createSql(stack.DB_URL, { applicationName: "security-report-test" }),
    hashSecret: "test-hash-secret-of-at-least-32-characters",
    inboundSecret: INBOUND_SECRET,
    logger,
  };
  return {
    report: securityReportHandler(deps),
    inbound: securityInboundHandler(deps),
    logs: logger.lines,
    hashSecret: deps.hashSecret,
    close: () => deps.sql.end({ timeout: 5 }),
  };
}

/** A fresh source address, so each test has its own rate-limit budget. */
export function freshIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export function uniqueAddress(tag: string): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** A POST to the public endpoint as the Supabase gateway forwards it. */
export function reportRequest(
  body: string | unknown,
  options: { ip?: string; contentType?: string | null; method?: string } = {},
): Request {
  const headers = new Headers({ "x-forwarded-for": `${options.ip ?? freshIp()}, 100.64.0.1` });
  const contentType = options.contentType === undefined ? "application/json" : options.contentType;
  if (contentType !== null) headers.set("content-type", contentType);
  const method = options.method ?? "POST";
  return new Request("http://localhost/functions/v1/security-report", {
    method,
    headers,
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** An inbound mail as the provider posts it, signed with `secret` (null: unsigned). */
export async function inboundRequest(
  mail: unknown,
  secret: string | null = INBOUND_SECRET,
): Promise<Request> {
  const body = JSON.stringify(mail);
  const headers = new Headers({ "content-type": "application/json" });
  if (secret !== null) headers.set(SIGNATURE_HEADER, await signBody(secret, body));
  return new Request("http://localhost/functions/v1/security-inbound", {
    method: "POST",
    headers,
    body,
  });
}

export async function reportCount(sql: Sql): Promise<number> {
  const [row] = await sql`select count(*)::int as n from private.security_reports`;
  return row.n;
}

export interface StoredReport {
  id: string;
  channel: string;
  reporter_contact: string;
  summary: string;
  details: string;
  severity: string | null;
  status: string;
  ack_mail_id: string;
}

export async function storedReport(sql: Sql, reference: string): Promise<StoredReport | null> {
  const [row] = await sql<StoredReport[]>`
    select id, channel, reporter_contact, summary, details, severity, status, ack_mail_id
    from private.security_reports where reference = ${reference}`;
  return row ?? null;
}

export interface OutboxRow {
  id: string;
  recipient: string;
  template: string;
  params: Record<string, unknown>;
  status: string;
  attempts: number;
  last_error: string | null;
}

export async function outboxRow(sql: Sql, id: string): Promise<OutboxRow> {
  const [row] = await sql<OutboxRow[]>`
    select id, recipient, template, params, status, attempts, last_error
    from private.mail_outbox where id = ${id}`;
  return row;
}

/** job_health() as it reads at `at` (the test clock, in one transaction). */
export async function healthAt(
  sql: Sql,
  at: Date,
): Promise<Map<string, { ok: boolean; detail: Record<string, unknown> }>> {
  const rows = await sql.begin(async (tx) => {
    await tx`select set_config('cluso.now', ${at.toISOString()}, true)`;
    return await tx<{ check_name: string; ok: boolean; detail: Record<string, unknown> }[]>`
      select check_name, ok, detail from private.job_health()`;
  });
  return new Map(rows.map((r) => [r.check_name, { ok: r.ok, detail: r.detail }]));
}

export function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3600_000);
}
