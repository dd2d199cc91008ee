/**
 * The scaling chart as a standalone SVG (no browser, no chart library): two
 * panels, MCP connections (stdio children + HTTP sessions) and RSS against users, log-log, one line per
 * variant and way of asking. Steps not run because of the memory cap are
 * drawn as hollow points at their estimate, joined by a dotted line.
 */

const WIDTH = 1000;
const HEIGHT = 470;
const PANEL = { width: 400, height: 300, top: 60, left: [70, 550] };
const SERIES = [
  { variant: "shared", mode: "console", color: "#1b7f3b", dash: "" },
  { variant: "shared", mode: "agent", color: "#1b7f3b", dash: "6 4" },
  { variant: "per-session", mode: "console", color: "#c2410c", dash: "" },
  { variant: "per-session", mode: "agent", color: "#c2410c", dash: "6 4" },
];

const esc = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");
const decades = (min, max) => {
  const ticks = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) ticks.push(10 ** p);
  return ticks;
};

function logScale(min, max, from, to) {
  const [a, b] = [Math.log10(min), Math.log10(max)];
  return (value) => from + ((Math.log10(Math.max(value, min)) - a) / (b - a)) * (to - from);
}

/** `cap`: an optional { value, label } drawn as a horizontal dashed line. */
function panel(left, title, unit, points, yOf, cap) {
  const users = points.flatMap((p) => p.steps.map((s) => s.users));
  const values = [...points.flatMap((p) => p.steps.map(yOf).filter((v) => v > 0)), ...(cap ? [cap.value] : [])];
  const xTicks = decades(Math.min(...users), Math.max(...users));
  const yTicks = decades(Math.min(...values), Math.max(...values));
  const x = logScale(xTicks[0], xTicks.at(-1), left, left + PANEL.width);
  const y = logScale(yTicks[0], yTicks.at(-1), PANEL.top + PANEL.height, PANEL.top);
  const out = [`<text x="${left + PANEL.width / 2}" y="${PANEL.top - 20}" class="title">${esc(title)}</text>`];
  for (const t of xTicks) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${PANEL.top}" y2="${PANEL.top + PANEL.height}" class="grid"/>`);
    out.push(`<text x="${x(t)}" y="${PANEL.top + PANEL.height + 18}" class="tick">${t.toLocaleString("en-US")}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${left}" x2="${left + PANEL.width}" y1="${y(t)}" y2="${y(t)}" class="grid"/>`);
    out.push(`<text x="${left - 6}" y="${y(t) + 4}" class="ytick">${t.toLocaleString("en-US")}</text>`);
  }
  out.push(`<text x="${left + PANEL.width / 2}" y="${PANEL.top + PANEL.height + 38}" class="tick">users (log)</text>`);
  out.push(
    `<text x="${left - 52}" y="${PANEL.top + PANEL.height / 2}" class="tick" transform="rotate(-90 ${left - 52} ${PANEL.top + PANEL.height / 2})">${esc(unit)} (log)</text>`,
  );
  if (cap) {
    out.push(`<line x1="${left}" x2="${left + PANEL.width}" y1="${y(cap.value)}" y2="${y(cap.value)}" class="cap"/>`);
    out.push(`<text x="${left + 4}" y="${y(cap.value) - 5}" class="caplabel">${esc(cap.label)}</text>`);
  }
  for (const { series, steps } of points) {
    const measured = steps.filter((s) => !s.skipped && yOf(s) > 0);
    const estimated = steps.filter((s) => s.skipped && yOf(s) > 0);
    const path = (list) => list.map((s, i) => `${i ? "L" : "M"}${x(s.users).toFixed(1)},${y(yOf(s)).toFixed(1)}`).join(" ");
    if (measured.length) out.push(`<path d="${path(measured)}" stroke="${series.color}" stroke-dasharray="${series.dash}" class="line"/>`);
    if (estimated.length && measured.length) {
      out.push(`<path d="${path([measured.at(-1), ...estimated])}" stroke="${series.color}" stroke-dasharray="2 4" class="line"/>`);
    }
    for (const s of measured) out.push(`<circle cx="${x(s.users)}" cy="${y(yOf(s))}" r="3.5" fill="${series.color}"/>`);
    for (const s of estimated) out.push(`<circle cx="${x(s.users)}" cy="${y(yOf(s))}" r="4" fill="white" stroke="${series.color}"/>`);
  }
  return out.join("\n");
}

function legend() {
  const items = SERIES.map((s, i) => {
    const lx = 90 + i * 225;
    return (
      `<line x1="${lx}" x2="${lx + 30}" y1="${HEIGHT - 30}" y2="${HEIGHT - 30}" stroke="${s.color}" stroke-dasharray="${s.dash}" class="line"/>` +
      `<text x="${lx + 36}" y="${HEIGHT - 26}" class="legend">${s.variant}, ${s.mode === "agent" ? "agent + model" : "console /call"}</text>`
    );
  });
  items.push(
    `<text x="${WIDTH - 12}" y="${HEIGHT - 4}" class="note">hollow points: not run, estimated from the RSS per user measured before</text>`,
  );
  return items.join("\n");
}

/** The SVG text for `scaling` (results.scaling). */
export function scalingChart(scaling) {
  const cap = scaling.memoryCapMiB
    ? { value: scaling.memoryCapMiB, label: `memory cap of the bench (${scaling.memoryCapMiB / 1024} GiB)` }
    : undefined;
  const points = SERIES.map((series) => ({
    series,
    steps: scaling.steps.filter((s) => s.variant === series.variant && s.mode === series.mode),
  })).filter((p) => p.steps.length > 0);
  const connections = (s) => (s.skipped ? 0 : s.mcpConnections + (s.httpSessions ?? 0));
  const rss = (s) => (s.skipped ? (s.estimatedRssMiB ?? 0) : s.rssPeakMiB);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">
<style>
  .title { font-size: 15px; font-weight: bold; text-anchor: middle; }
  .tick { font-size: 11px; text-anchor: middle; fill: #333; }
  .ytick { font-size: 11px; text-anchor: end; fill: #333; }
  .grid { stroke: #e5e5e5; }
  .line { fill: none; stroke-width: 2; }
  .legend { font-size: 12px; }
  .note { font-size: 10px; text-anchor: end; fill: #666; }
  .cap { stroke: #888; stroke-dasharray: 8 4; }
  .caplabel { font-size: 11px; fill: #666; }
</style>
<rect width="100%" height="100%" fill="white"/>
${panel(PANEL.left[0], "MCP connections (stdio children + HTTP sessions)", "connections", points, connections)}
${panel(PANEL.left[1], "RSS: server + MCP children", "MiB", points, rss, cap)}
${legend()}
</svg>
`;
}
