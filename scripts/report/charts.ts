// Charts as SVG, drawn server-side by Vega-Lite (compiled to Vega, rendered by Vega's SVG
// renderer, no browser and no canvas): the report inlines them, so viewing needs no network.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { type Chart, DAY_MS, HISTORY_DAYS } from "./model.ts";

const RED = "#c62828";
const GREEN = "#2e7d32";
const INK = "#37474f";

const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  axis: { labelColor: INK, titleColor: INK, gridColor: "#eceff1" },
  view: { stroke: "#cfd8dc" },
  background: "white",
};

/** Days since an event, on the report's history window: a limit line and the points. */
function lagSpec(chart: Chart, now: Date): TopLevelSpec {
  const limit = chart.limit ?? 0;
  const highest = Math.max(limit, ...chart.values.map((v) => Number(v.days)));
  const x = {
    field: "at",
    type: "temporal" as const,
    title: "completed",
    scale: { domain: [now.getTime() - HISTORY_DAYS * DAY_MS, now.getTime()] },
  };
  const y = { scale: { domain: [0, Math.ceil(highest * 1.2) + 1] }, title: "days" };
  return {
    width: 520,
    height: 180,
    config: CONFIG,
    layer: [
      {
        data: { values: [{ limit }] },
        mark: { type: "rule", color: RED, strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { y: { field: "limit", type: "quantitative", ...y } },
      },
      {
        data: { values: [{ limit, label: `limit: ${limit} days` }] },
        mark: { type: "text", color: RED, align: "left", dx: 4, dy: -8, x: 0 },
        encoding: {
          y: { field: "limit", type: "quantitative", ...y },
          text: { field: "label" },
        },
      },
      {
        data: { values: chart.values },
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          x,
          y: { field: "days", type: "quantitative", ...y },
          color: {
            condition: { test: `datum.days > ${limit + 1}`, value: RED },
            value: GREEN,
          },
        },
      },
    ],
  } as TopLevelSpec;
}

function backlogSpec(chart: Chart, now: Date): TopLevelSpec {
  return {
    width: 520,
    height: 180,
    config: CONFIG,
    data: { values: chart.values },
    transform: [{ fold: ["queued", "removed", "backlog"], as: ["series", "objects"] }],
    mark: { type: "line", point: true, strokeWidth: 2, interpolate: "step-after" },
    encoding: {
      x: {
        field: "day",
        type: "temporal",
        title: "day (UTC)",
        scale: { domain: [now.getTime() - HISTORY_DAYS * DAY_MS, now.getTime()] },
      },
      y: { field: "objects", type: "quantitative", title: "objects" },
      color: {
        field: "series",
        type: "nominal",
        scale: { domain: ["queued", "removed", "backlog"], range: ["#90a4ae", GREEN, RED] },
        title: null,
      },
    },
  } as TopLevelSpec;
}

function deadlinesSpec(chart: Chart): TopLevelSpec {
  const refs = chart.values.map((v) => String(v.ref));
  const hours = chart.values.map((v) => Number(v.hours_left));
  return {
    width: 520,
    height: Math.max(40, 22 * refs.length),
    config: CONFIG,
    layer: [
      {
        data: { values: chart.values },
        mark: { type: "bar" },
        encoding: {
          y: { field: "ref", type: "nominal", title: null, sort: refs },
          x: {
            field: "hours_left",
            type: "quantitative",
            title: "hours left before the deadline",
            // At least a day overdue to a week ahead, so the deadline line has context.
            scale: { domain: [Math.min(-24, ...hours), Math.max(168, ...hours)], nice: true },
          },
          color: {
            field: "overdue",
            type: "nominal",
            scale: { domain: [false, true], range: [GREEN, RED] },
            legend: { title: "overdue" },
          },
          tooltip: [{ field: "kind" }, { field: "hours_left" }],
        },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: RED, strokeWidth: 2 },
        encoding: { x: { field: "zero", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

export function chartSpec(chart: Chart, now: Date): TopLevelSpec {
  switch (chart.kind) {
    case "purge_lag":
    case "erasure_completion":
      return lagSpec(chart, now);
    case "storage_backlog":
      return backlogSpec(chart, now);
    case "deadlines":
      return deadlinesSpec(chart);
  }
}

/** The chart as an SVG document, its element ids prefixed so that several can share a page. */
export async function renderChartSvg(chart: Chart, now: Date): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(chart, now)).spec), {
    renderer: "none",
  });
  try {
    const svg = await view.toSVG();
    return svg.replace(/(id="|url\(#)([^")]+)/g, `$1${chart.id}-$2`);
  } finally {
    view.finalize();
  }
}
