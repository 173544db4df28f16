// The compliance report (scripts/report.ts) rendered from the stack's database and opened in
// real headless Chromium from Debian (/usr/bin/chromium, driven by playwright-core): every
// section and chart is on the page, the page loads nothing from the network, and a broken state
// (an erasure request past its 7-day deadline, a Storage removal stuck after 5 attempts) shows
// red in its own section. Screenshots are kept as CI artefacts in $STACK_DIR/report/.
// Skipped, saying so, when /usr/bin/chromium is absent (`apt-get install -y chromium`).
//   node_modules/.bin/deno test -A scripts/report_test.ts
import assert from "node:assert/strict";
import { relative } from "node:path";
import postgres from "postgres";
import { type BrowserContext, chromium } from "playwright-core";
import type { Sql } from "../supabase/functions/_shared/db.ts";
import { collectReport } from "./report/collect.ts";
import { renderHtml } from "./report/html.ts";
import type { Report } from "./report/model.ts";
import { PROMISES } from "./report/promises.ts";
import { loadAnchorSinkSettings, loadStackEnv } from "./lib/stack-env.ts";

const CHROMIUM = "/usr/bin/chromium";
const root = new URL("../", import.meta.url).pathname;
const out = `${Deno.env.get("STACK_DIR") ?? `${root}.local`}/report`;
const chromiumMissing = await Deno.stat(CHROMIUM).then(() => false, () => true);
if (chromiumMissing) {
  console.log(`report_test: skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);
}

const SECTION_IDS = [...Object.keys(PROMISES), "deadlines"];
const CHART_IDS = ["purge_lag", "storage_backlog", "erasure_completion", "deadlines"];
const RED = "rgb(198, 40, 40)";

async function withBrowser<T>(run: (browser: BrowserContext) => Promise<T>): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "cluso-report-chromium-" });
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    return await run(browser);
  } finally {
    await browser.close();
    await Deno.remove(profile, { recursive: true });
  }
}

/** Writes the report's HTML, opens it, checks what every report must show, screenshots it. */
async function openReport(browser: BrowserContext, report: Report, name: string) {
  await Deno.mkdir(out, { recursive: true });
  const file = `${out}/${name}.html`;
  await Deno.writeTextFile(file, await renderHtml(report, (p) => relative(out, `${root}${p}`)));
  const page = await browser.newPage();
  const fetched: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) fetched.push(r.url());
  });
  await page.goto(`file://${file}`);
  assert.deepEqual(fetched, [], "the page loads nothing from the network");
  for (const id of SECTION_IDS) {
    assert.equal(await page.locator(`section[data-section="${id}"]`).count(), 1, `section ${id}`);
  }
  for (const id of CHART_IDS) {
    const box = await page.locator(`figure[data-chart="${id}"] > svg`).boundingBox();
    assert.ok(box && box.width > 200 && box.height > 30, `chart ${id} is drawn`);
  }
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  console.log(`report_test: screenshot ${out}/${name}.png`);
  return page;
}

/** The section's status as the page shows it: its attribute and its badge's colour. */
async function shownStatus(page: Awaited<ReturnType<typeof openReport>>, id: string) {
  const section = page.locator(`section[data-section="${id}"]`);
  return {
    status: await section.getAttribute("data-status"),
    badge: await section.locator("[data-badge]").evaluate((el) =>
      // Runs in the page, where the DOM's getComputedStyle exists.
      (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } })
        .getComputedStyle(el).backgroundColor
    ),
    text: await section.innerText(),
  };
}

/** Runs `run` in a transaction that is always rolled back, so the stack keeps its state. */
async function rolledBack(sql: Sql, run: (tx: Sql) => Promise<void>) {
  const rollback = new Error("rollback");
  await sql.begin(async (tx) => {
    await run(tx as unknown as Sql);
    throw rollback;
  }).catch((err) => {
    if (err !== rollback) throw err;
  });
}

Deno.test({
  name: "report: every section and chart in Chromium; an overdue erasure and a stuck removal red" +
    (chromiumMissing ? ` (skipped: ${CHROMIUM} is absent; apt-get install -y chromium)` : ""),
  ignore: chromiumMissing,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = postgres(loadStackEnv().DB_URL, { max: 1, onnotice: () => {} }) as unknown as Sql;
    const options = { anchorSink: loadAnchorSinkSettings(), database: "the local stack" };
    try {
      await withBrowser(async (browser) => {
        await openReport(browser, await collectReport(sql, options), "report");

        await rolledBack(sql, async (tx) => {
          // A known state for the two sections under test, then each broken on purpose.
          await tx`delete from private.account_erasure_requests`;
          await tx`delete from private.storage_removals`;
          const healthy = await collectReport(tx, options);
          const before = (id: string) => healthy.sections.find((s) => s.id === id)!;
          assert.notEqual(before("account_erasure").status, "red");
          assert.doesNotMatch(before("recordings").summary, /stuck/);

          await tx`
            insert into private.account_erasure_requests (user_id, requested_at, due_at)
            select u.id, private.current_time() - interval '8 days',
              private.current_time() - interval '1 day'
            from auth.users u order by u.id limit 1`;
          await tx`
            insert into private.storage_removals (bucket_id, object_name, org_id, cause, attempts,
              last_error)
            select 'recordings', o.id || '/report-test/stuck.webm', o.id, 'retention_expired', 5,
              'HTTP 500'
            from public.organizations o order by o.id limit 1`;
          const broken = await collectReport(tx, options);
          const page = await openReport(browser, broken, "report-broken");

          const erasure = await shownStatus(page, "account_erasure");
          assert.equal(erasure.status, "red");
          assert.equal(erasure.badge, RED);
          assert.match(erasure.text, /1 erasure request\(s\) past the 7-day deadline/);
          const recordings = await shownStatus(page, "recordings");
          assert.equal(recordings.status, "red");
          assert.equal(recordings.badge, RED);
          assert.match(recordings.text, /1 Storage removal\(s\) stuck after 5 attempts/);
          // Red where it belongs: the isolation posture did not change.
          assert.equal(
            (await shownStatus(page, "isolation")).status,
            before("isolation").status,
          );
          // No personal data: neither the user's nor the request's id is on the page.
          const [{ user_id, request_id }] = await tx<[{ user_id: string; request_id: string }]>`
            select user_id::text, id::text as request_id from private.account_erasure_requests`;
          const html = await page.content();
          assert.ok(!html.includes(user_id) && !html.includes(request_id), "ids are pseudonymous");
        });
      });
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
});

Deno.test("report: the isolation posture turns red on an exposed table without forced RLS and an unlisted definer function", async () => {
  const sql = postgres(loadStackEnv().DB_URL, { max: 1, onnotice: () => {} }) as unknown as Sql;
  const options = { anchorSink: null, database: "the local stack" };
  try {
    await rolledBack(sql, async (tx) => {
      const isolation = async () =>
        (await collectReport(tx, options)).sections.find((s) => s.id === "isolation")!;
      assert.equal((await isolation()).status, "green");
      await tx`create table public.report_probe (id int primary key)`;
      await tx`alter table public.report_probe enable row level security`;
      await tx`create function private.report_probe() returns int language sql security definer
        set search_path = '' as 'select 1'`;
      await tx`grant execute on function private.report_probe() to authenticated`;
      const red = await isolation();
      assert.equal(red.status, "red");
      assert.deepEqual(
        red.evidence.filter((e) => /report_probe/.test(e.label)),
        [
          { label: "table public.report_probe", value: "RLS not forced" },
          { label: "function private.report_probe()", value: "not on the reviewed list" },
        ],
      );
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
});

Deno.test("report: DSR and incidents are grey until built, then read from their status functions", async () => {
  const sql = postgres(loadStackEnv().DB_URL, { max: 1, onnotice: () => {} }) as unknown as Sql;
  const options = { anchorSink: null, database: "the local stack" };
  const section = (report: Report, id: string) => report.sections.find((s) => s.id === id)!;
  try {
    await rolledBack(sql, async (tx) => {
      await tx`drop function if exists private.dsr_status()`;
      await tx`drop function if exists private.incident_status()`;
      const before = await collectReport(tx, options);
      assert.equal(section(before, "dsr").status, "grey");
      assert.match(section(before, "dsr").summary, /^Not built yet/);
      assert.equal(section(before, "incidents").status, "grey");

      await tx`create function private.dsr_status() returns jsonb language sql as $$
        select jsonb_build_object('open', 1, 'overdue', 1, 'items', jsonb_build_array(
          jsonb_build_object('ref', 'person@example.com', 'state', 'pending',
            'due_at', private.current_time() - interval '1 day')))$$`;
      // INC-2 is past its deadline with every recipient notified: not late by the function's rule.
      await tx`create function private.incident_status() returns jsonb language sql as $$
        select jsonb_build_object('open', 2, 'overdue', 0, 'items', jsonb_build_array(
          jsonb_build_object('ref', 'INC-1', 'state', 'notifying',
            'deadline', private.current_time() + interval '40 hours'),
          jsonb_build_object('ref', 'INC-2', 'state', 'notifying', 'unnotified', 0,
            'deadline', private.current_time() - interval '1 hour')))$$`;
      const after = await collectReport(tx, options);
      const dsr = section(after, "dsr");
      assert.equal(dsr.status, "red");
      assert.equal(dsr.items?.length, 1);
      assert.doesNotMatch(JSON.stringify(after), /person@example\.com/, "refs are pseudonymous");
      assert.equal(section(after, "incidents").status, "green");
      const deadlines = after.charts.find((c) => c.id === "deadlines")!;
      assert.deepEqual(
        deadlines.values.filter((v) =>
          v.kind === "data subject request" || v.kind === "incident notification"
        )
          .map((v) => v.overdue).sort(),
        [false, true],
      );
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
});

Deno.test("report: a data subject request completed on time stays green after its deadline passes; an open one past it is red", async () => {
  const sql = postgres(loadStackEnv().DB_URL, { max: 1, onnotice: () => {} }) as unknown as Sql;
  const options = { anchorSink: null, database: "the local stack" };
  const dsr = async (tx: Sql) =>
    (await collectReport(tx, options)).sections.find((s) => s.id === "dsr")!;
  const overdue = (section: Awaited<ReturnType<typeof dsr>>) =>
    section.evidence.find((e) => e.label === "overdue")?.value;
  try {
    await rolledBack(sql, async (tx) => {
      await tx`delete from private.dsr_requests`;
      const [first, second] = await tx<{ id: string }[]>`
        select u.id::text from auth.users u order by u.id limit 2`;
      assert.ok(first && second, "the stack has two users");
      const [{ id }] = await tx<[{ id: string }]>`
        select (private.dsr_open('access', 'account', 'GDPR', 'data_export', ${first.id}::uuid,
          p_subject_user_id => ${first.id}::uuid)).id::text as id`;
      await tx`select private.dsr_complete(${id}::uuid, '{"surveys": 1}', 'report_test')`;
      const [{ later }] = await tx<[{ later: Date }]>`
        select max(due_at) + interval '30 days' as later from private.dsr_requests`;
      await tx`select set_config('cluso.now', ${later.toISOString()}, true)`;
      const [{ passed }] = await tx<[{ passed: boolean }]>`
        select bool_and(state = 'completed' and due_at < private.current_time()) as passed
        from private.dsr_requests`;
      assert.ok(passed, "the completed request's own deadline has passed on the test clock");

      const completed = await dsr(tx);
      assert.equal(completed.status, "green", completed.summary);
      assert.equal(overdue(completed), 0);
      assert.ok(!completed.items?.some((i) => i.overdue), "no item is shown overdue");

      // A request received today and still open is, on that later clock, past its deadline: red.
      await tx`select set_config('cluso.now', ${new Date().toISOString()}, true)`;
      await tx`select private.dsr_open('access', 'account', 'GDPR', 'data_export',
        ${second.id}::uuid, p_subject_user_id => ${second.id}::uuid)`;
      await tx`select set_config('cluso.now', ${later.toISOString()}, true)`;
      const late = await dsr(tx);
      assert.equal(late.status, "red");
      assert.equal(overdue(late), 1);
      assert.equal(late.items?.filter((i) => i.overdue).length, 1);
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
});
