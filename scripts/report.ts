// `npm run report`: the compliance report (docs/REPORT.md). Reads the database, writes
//   <out>/report.html  one self-contained page (inline CSS and SVG charts; no network to view)
//   <out>/report.json  the same facts
// and prints both paths and one line per section. Exits 1 only when it could not read.
//   npm run report [-- --db-url <postgres url>] [--out <dir>]
// The database: --db-url, else DB_URL (environment, then the stack's stack.env). The audit
// chains are verified against the anchor sink of AUDIT_ANCHOR_URL (AUDIT_ANCHOR_HEADS_URL,
// AUDIT_ANCHOR_READ_TOKEN) when set, else each against itself; with --db-url only the
// environment's sink counts, never the local stack's. Default <out>: $STACK_DIR/report.
import { parseArgs } from "node:util";
import { dirname, relative, resolve } from "node:path";
import postgres from "postgres";
import type { Sql } from "../supabase/functions/_shared/db.ts";
import { collectReport, describeDatabase } from "./report/collect.ts";
import { renderHtml } from "./report/html.ts";
import { environmentSetting, loadAnchorSinkSettings, stackSetting } from "./lib/stack-env.ts";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { "db-url": { type: "string" }, out: { type: "string" } },
  });
  const dbUrl = values["db-url"] ?? stackSetting("DB_URL");
  if (!dbUrl) {
    console.error("report: no database: pass --db-url, set DB_URL, or run `npm start` first");
    return 1;
  }
  const out = resolve(
    values.out ?? `${Deno.env.get("STACK_DIR") ?? `${ROOT}/.local`}/report`,
  );
  let anchorSink;
  try {
    anchorSink = loadAnchorSinkSettings(values["db-url"] ? environmentSetting : stackSetting);
  } catch (err) {
    console.error(`report: ${(err as Error).message}`);
    return 1;
  }
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} }) as unknown as Sql;
  let report;
  try {
    report = await collectReport(sql, { anchorSink, database: describeDatabase(dbUrl) });
  } catch (err) {
    console.error(`report: could not read ${describeDatabase(dbUrl)}: ${(err as Error).message}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
  await Deno.mkdir(out, { recursive: true });
  const html = await renderHtml(report, (path) => relative(out, `${ROOT}/${path}`));
  await Deno.writeTextFile(`${out}/report.html`, html);
  await Deno.writeTextFile(`${out}/report.json`, JSON.stringify(report, null, 2) + "\n");
  for (const s of report.sections) {
    console.log(`  ${s.status.padEnd(6)} ${s.title.padEnd(22)} ${s.summary}`);
  }
  console.log(`report: ${report.status}`);
  console.log(`  ${out}/report.html`);
  console.log(`  ${out}/report.json`);
  return 0;
}

Deno.exit(await main());
