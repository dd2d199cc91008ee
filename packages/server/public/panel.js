// The live panel: totals, per MCP server its pool against its bounds, and a chart (uPlot) of users
// online against MCP connections, the line that stays flat while the other grows. Polls /api/stats.

import uPlot from "/vendor/uplot.js";

const POLL_MS = 2000;
/** Five minutes of points. */
const KEEP_POINTS = 150;

const $ = (selector) => document.querySelector(selector);

function cell(key, text, title) {
  const td = document.createElement("td");
  td.className = key;
  td.textContent = text;
  if (title) td.title = title;
  return td;
}

function serverRow(s) {
  const row = document.createElement("tr");
  row.dataset.server = s.server;
  row.className = `circuit-${s.circuit}`;
  row.append(
    cell("name", s.server),
    cell("clients-open", `${s.clientsOpen}/${s.maxConnections}`, `${s.clientsOpen} clients open of at most ${s.maxConnections}`),
    cell(
      "in-flight",
      `${s.callsInFlight}/${s.callSlots}`,
      `${s.callsInFlight} calls in flight of ${s.callSlots} slots; ${s.callsOk} calls ok so far`,
    ),
    cell("waiting", String(s.waiting)),
    cell("sharing", s.sharing),
    cell("circuit", s.circuit),
  );
  return row;
}

class LiveChart {
  #times = [];
  #users = [];
  #connections = [];
  #bound = [];
  #plot;
  #figure = $("#chart");

  add(time, users, connections, bound) {
    for (const [series, value] of [
      [this.#times, time],
      [this.#users, users],
      [this.#connections, connections],
      [this.#bound, bound],
    ]) {
      series.push(value);
      if (series.length > KEEP_POINTS) series.shift();
    }
    const data = [this.#times, this.#users, this.#connections, this.#bound];
    if (this.#plot) this.#plot.setData(data);
    else this.#create(data);
    // What the chart shows, also as text (for screen readers, and what a test reads).
    const peakUsers = Math.max(...this.#users);
    const peakConnections = Math.max(...this.#connections);
    Object.assign(this.#figure.dataset, { points: this.#times.length, users, connections, bound, peakUsers, peakConnections });
    $("#chart-caption").textContent =
      `now ${users} users online, ${connections} MCP connections (bound ${bound}); ` +
      `peak over ${Math.round((time - this.#times[0]) / 60) || "<1"} min: ${peakUsers} users, ${peakConnections} connections`;
  }

  #create(data) {
    const plotBox = $("#chart-plot");
    const styles = getComputedStyle(document.documentElement);
    const color = (name) => styles.getPropertyValue(name).trim();
    this.#plot = new uPlot(
      {
        width: Math.max(200, plotBox.clientWidth),
        height: 150,
        legend: { show: true, live: false },
        cursor: { show: false },
        // At least 30 s wide, so the first points do not fill the chart.
        scales: {
          x: { time: true, range: (_u, min, max) => [Math.min(min, max - 30), max] },
          y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] },
        },
        axes: [
          {
            stroke: color("--muted"),
            grid: { stroke: color("--line") },
            values: (_u, splits) =>
              splits.map((t) =>
                new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }),
              ),
          },
          { stroke: color("--muted"), grid: { stroke: color("--line") } },
        ],
        series: [
          {},
          { label: "users online", stroke: color("--accent"), width: 2, points: { show: false } },
          { label: "MCP connections", stroke: color("--ok"), width: 2, points: { show: false } },
          { label: "bound", stroke: color("--muted"), width: 1, dash: [4, 4], points: { show: false } },
        ],
      },
      data,
      plotBox,
    );
    new ResizeObserver(() => this.#plot.setSize({ width: Math.max(200, plotBox.clientWidth), height: 150 })).observe(plotBox);
  }
}

/** Starts polling; `headers` authenticates the request. */
export function startPanel(headers) {
  const chart = new LiveChart();
  const refresh = async () => {
    try {
      const response = await fetch("/api/stats", { headers });
      if (!response.ok) throw new Error(String(response.status));
      const stats = await response.json();
      const servers = stats.pool.servers;
      const connections = servers.reduce((sum, s) => sum + s.clientsOpen, 0);
      const bound = servers.reduce((sum, s) => sum + s.maxConnections, 0);
      $("#users-online").textContent = stats.users;
      $("#sockets").textContent = stats.sockets;
      $("#connections").textContent = `${connections}/${bound}`;
      $("#servers tbody").replaceChildren(...servers.map(serverRow));
      chart.add(Date.now() / 1000, stats.users, connections, bound);
    } catch {
      /* the panel shows the last values; the next poll tries again */
    }
  };
  refresh();
  setInterval(refresh, POLL_MS);
}
