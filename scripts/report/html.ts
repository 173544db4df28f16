// The report as one self-contained HTML page: inline CSS, charts as inline SVG, no script and no
// external resource, so it opens offline and can be mailed to an auditor.
import { renderChartSvg } from "./charts.ts";
import type { Chart, Report, Section, Status } from "./model.ts";

const COLORS: Record<Status, string> = {
  green: "#2e7d32",
  amber: "#ef8f00",
  red: "#c62828",
  grey: "#9e9e9e",
};
const LABELS: Record<Status, string> = {
  green: "GREEN",
  amber: "AMBER",
  red: "RED",
  grey: "NOT BUILT YET",
};

function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const badge = (status: Status) =>
  `<span class="badge" data-badge="${status}" style="background:${COLORS[status]}">${
    LABELS[status]
  }</span>`;

async function figure(chart: Chart, now: Date): Promise<string> {
  const empty = chart.values.length === 0
    ? `<p class="muted">No data points in this period.</p>`
    : "";
  return `<figure data-chart="${esc(chart.id)}"><figcaption>${
    esc(chart.title)
  }</figcaption>${await renderChartSvg(chart, now)}${empty}</figure>`;
}

async function section(s: Section, now: Date, testHref: (path: string) => string) {
  const evidence = s.evidence.map((e) =>
    `<tr><th scope="row">${esc(e.label)}</th><td>${esc(e.value ?? "—")}</td></tr>`
  ).join("");
  const items = s.items?.length
    ? `<table class="items"><thead><tr><th>item</th><th>due</th><th>state</th></tr></thead><tbody>${
      s.items.map((i) =>
        `<tr class="${i.overdue ? "overdue" : ""}"><td><code>${esc(i.ref)}</code></td><td>${
          esc(i.due_at)
        }${i.overdue ? " (overdue)" : ""}</td><td>${esc(i.state)}</td></tr>`
      ).join("")
    }</tbody></table>`
    : "";
  const charts = (await Promise.all(s.charts.map((c) => figure(c, now)))).join("");
  const tests = s.tests.length
    ? `<p class="tests">Proven by: ${
      s.tests.map((t) => `<a href="${esc(testHref(t.path))}"><code>${esc(t.name)}</code></a>`)
        .join(", ")
    }</p>`
    : `<p class="tests muted">No tests yet: the capability is not built.</p>`;
  return `<section id="${esc(s.id)}" data-section="${esc(s.id)}" data-status="${s.status}"
  style="border-left-color:${COLORS[s.status]}">
<h2>${badge(s.status)} ${esc(s.title)}</h2>
<blockquote>${esc(s.promise)}</blockquote>
<p class="summary">${esc(s.summary)}</p>
<table class="evidence"><tbody>${evidence}</tbody></table>${items}${charts}${tests}
</section>`;
}

const CSS = `
body{font:15px/1.45 Helvetica,Arial,sans-serif;color:#263238;margin:0;background:#f5f7f8}
main{max-width:980px;margin:0 auto;padding:24px}
header h1{margin:0 0 4px;font-size:26px}
.meta,.muted{color:#607d8b;font-size:13px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px;margin:16px 0}
.tile{display:block;padding:10px 12px;border-radius:6px;color:#fff;text-decoration:none;font-weight:600}
.tile small{display:block;font-weight:400;opacity:.9}
section{background:#fff;border-left:8px solid;border-radius:6px;padding:14px 18px;margin:16px 0;
  box-shadow:0 1px 2px rgba(0,0,0,.08)}
section h2{margin:0 0 6px;font-size:20px}
.badge{display:inline-block;color:#fff;font-size:12px;font-weight:700;padding:2px 8px;
  border-radius:10px;vertical-align:middle;letter-spacing:.04em}
blockquote{margin:4px 0 8px;padding-left:10px;border-left:3px solid #cfd8dc;color:#546e7a;
  font-style:italic}
.summary{font-weight:600}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{text-align:left;padding:3px 12px 3px 0;vertical-align:top}
.evidence th{font-weight:400;color:#546e7a}
.evidence td{word-break:break-word}
.items thead th{border-bottom:1px solid #cfd8dc}
tr.overdue td{color:#c62828;font-weight:600}
figure{margin:12px 0}
figcaption{font-size:13px;font-weight:600;margin-bottom:4px}
.tests{font-size:13px}
`;

/** `testHref` turns a repository path into the link the page uses (relative to the file). */
export async function renderHtml(report: Report, testHref: (path: string) => string) {
  const now = new Date(report.generated_at);
  const tiles = report.sections.map((s) =>
    `<a class="tile" href="#${esc(s.id)}" style="background:${COLORS[s.status]}">${
      esc(s.title)
    }<small>${LABELS[s.status]}</small></a>`
  ).join("");
  const sections = [];
  for (const s of report.sections) sections.push(await section(s, now, testHref));
  const overview = (await Promise.all(report.charts.map((c) => figure(c, now)))).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cluso compliance report — ${esc(report.generated_at)}</title>
<style>${CSS}</style></head>
<body><main data-status="${report.status}">
<header><h1>${badge(report.status)} Cluso compliance report</h1>
<p class="meta">Generated ${esc(report.generated_at)} from ${esc(report.database)}. ${
    esc(report.pseudonyms)
  }. No personal data: counts, durations and pseudonyms only.</p></header>
<nav class="tiles">${tiles}</nav>
<section id="deadlines" data-section="deadlines" data-status="${
    worstOpen(report)
  }" style="border-left-color:#607d8b">
<h2>Open requests against their deadlines</h2>${overview}</section>
${sections.join("\n")}
</main></body></html>
`;
}

function worstOpen(report: Report): string {
  return report.charts[0]?.values.some((v) => v.overdue) ? "red" : "green";
}
