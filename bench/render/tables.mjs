/** Markdown tables of a results.json, as docs/benchmarks.md shows them. */

import { defaultBacklogTarget, defaultBurstTarget, judgeTargets, throughputTarget } from "./targets.mjs";

const table = (head, rows) =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

const int = (n) => (n === null || n === undefined || Number.isNaN(n) ? "–" : Math.round(n).toLocaleString("en-US"));
const num = (n, digits = 1) => (n === null || n === undefined ? "–" : n.toFixed(digits));
const errorsCell = (step) =>
  step.errors === 0
    ? "0"
    : `${step.errors} (${Object.entries(step.errorsByCode)
        .map(([c, n]) => `${c} ${n}`)
        .join(", ")})`;

/** A latency percentile of the users' first question and of their later ones. */
const pair = (step, p) => `${int(step.firstQuestionLatencyMs[p])} / ${int(step.laterQuestionsLatencyMs[p])}`;

export function scalingTable(scaling) {
  const rows = scaling.steps.map((s) =>
    s.skipped
      ? [
          s.variant,
          s.mode,
          int(s.users),
          "–",
          s.estimatedRssMiB ? `~${int(s.estimatedRssMiB)} (estimate)` : "–",
          "–",
          "–",
          "–",
          "–",
          "–",
          "–",
          `not run: ${s.skipped}`,
        ]
      : [
          s.variant,
          s.mode,
          int(s.users),
          `${int(s.mcpConnections)} / ${int(s.httpSessions)}`,
          int(s.rssPeakMiB),
          int(s.rssAfterMiB),
          int(s.rssPerUserKiB),
          num(s.httpMcpServerRssMiB),
          pair(s, "p50"),
          pair(s, "p99"),
          num(s.turnsPerSecond),
          errorsCell(s),
        ],
  );
  return table(
    [
      "variant",
      "asked through",
      "users",
      "MCP connections (peak): stdio children / HTTP sessions",
      "RSS peak MiB",
      "RSS after turns MiB",
      "RSS per user KiB",
      "HTTP MCP server RSS MiB",
      "turn p50 ms: 1st / later questions",
      "turn p99 ms: 1st / later",
      "turns/s",
      "errors",
    ],
    rows,
  );
}

export function overheadTable(overhead) {
  const rows = overhead.rows.map((r) => [
    r.transport,
    r.inFlight,
    int(r.pool.p50Us),
    int(r.bare.p50Us),
    int(r.pool.p99Us),
    int(r.bare.p99Us),
    int(r.pool.callsPerSecond),
    int(r.bare.callsPerSecond),
    num(r.p50Ratio, 3),
    num(r.throughputRatio, 3),
    `${writesCell(r.pool.writesPerCall)} / ${writesCell(r.bare.writesPerCall)}`,
  ]);
  return table(
    [
      "transport",
      "in flight",
      "pool p50 µs",
      "bare p50 µs",
      "pool p99 µs",
      "bare p99 µs",
      "pool calls/s",
      "bare calls/s",
      "p50 ratio pool/bare",
      "calls/s ratio pool/bare",
      "write syscalls per call pool / bare",
    ],
    rows,
  );
}

/** Older results have no write counts. */
const writesCell = (value) => (Number.isFinite(value) ? num(value, 2) : "–");

const signed = (n) => (n === 0 ? "–" : `${n > 0 ? "+" : ""}${num(n)}`);

export function attributionTable(attribution) {
  return table(
    ["what the call does", "µs per call", "µs added (vs the bare request)", "CPU µs per call (this process)", "CPU µs added"],
    attribution.map((p) => [p.part, num(p.usPerCall), signed(p.addedUs), num(p.cpuUsPerCall), signed(p.addedCpuUs)]),
  );
}

export function burstTable(burst) {
  return table(
    [
      "callers",
      "client (a pool config, or a bare client)",
      "bare calls/s (1 client) cold",
      "bare calls/s warm",
      "its calls/s cold",
      "its calls/s warm",
      "cold ratio to bare",
      "warm ratio to bare",
    ],
    burst.rows.map((r) => [
      r.callers,
      r.variant,
      int(r.bareColdCallsPerSecond ?? r.bareCallsPerSecond),
      int(r.bareWarmCallsPerSecond ?? r.bareCallsPerSecond),
      int(r.coldCallsPerSecond),
      int(r.warmCallsPerSecond),
      num(r.coldRatio, 3),
      num(r.warmRatio, 3),
    ]),
  );
}

/** What the overhead table compares, for both renderers. */
export function overheadCaption(overhead) {
  const placement = overhead.pinned
    ? "; this process ran on core 0 and every MCP child on core 1 (taskset), the same placement for every variant"
    : "";
  return (
    "server-everything `echo`, one client each (the pool's wide enough for every call in flight); " +
    `${overhead.rounds} interleaved rounds of ${overhead.measureMs} ms per client and concurrency${placement}.`
  );
}

/** What the burst table compares, for both renderers. */
export function burstCaption(burst) {
  return (
    "The default config under a burst against one bare client (stdio; cold: each has just connected and made one call when the burst begins, " +
    `its child a new process; warm: its next burst; ${burst.rounds} rounds of ${burst.burstMs} ms, new clients each round, ratios are medians of the rounds' ratios):`
  );
}

export function growthTable(burst) {
  const times = Object.keys(burst.growth[0]?.clientsAt ?? {});
  return table(
    ["callers", "pool config", ...times.map((t) => `clients open at ${t} ms`), `at the end (${burst.burstMs} ms)`],
    burst.growth.map((g) => [g.callers, g.variant, ...times.map((t) => num(g.clientsAt[t], 0)), num(g.clientsAtEnd, 0)]),
  );
}

/** The pool's own path with a stub client (older results have none). */
export function poolPathLine(poolPath) {
  if (!poolPath) return [];
  const parts = poolPath.rows.map((r) => `+${num(r.addedUs, 2)} µs per call with ${r.inFlight} in flight`);
  return [
    `The pool's own path alone (\`bench/overhead/pool-path.mjs\`: a connection factory whose client answers on the next turn, against ` +
      `calling that client directly; ${int(poolPath.calls)} calls a round, median of ${poolPath.rounds} interleaved rounds): ${parts.join(", ")}.`,
  ];
}

/** Growth under a backlog that lasts (older results have none). */
export function backlogTables(backlog) {
  if (!backlog) return [];
  const times = Object.keys(backlog.rows[0]?.clientsAt ?? {});
  return [
    `A backlog that lasts: ${int(backlog.callers)} echo callers over stdio for ${int(backlog.durationMs)} ms (the first client connected ` +
      `before), against one bare SDK client carrying all of them (${int(backlog.bareCallsPerSecond)} calls/s); ${backlog.rounds} rounds, ` +
      "variants interleaved, new clients each round; medians over rounds:",
    "",
    table(
      ["pool config", "calls/s", "ratio to bare", ...times.map((t) => `clients at ${t} ms`), "trials that did not pay"],
      backlog.rows.map((r) => [
        r.variant,
        int(r.callsPerSecond),
        num(r.ratio, 3),
        ...times.map((t) => num(r.clientsAt[t], 0)),
        num(r.failedTrials, 0),
      ]),
    ),
  ];
}

/** Growth under a backlog of a slow tool, where it pays (older results have none). */
export function slowBacklogTables(slow) {
  if (!slow) return [];
  const times = Object.keys(slow.rows[0]?.clientsAt ?? {});
  return [
    `A backlog of a slow tool: ${int(slow.callers)} callers of the lab server's \`slow_read\` (${int(slow.slowMs)} ms each) over stdio ` +
      `for ${int(slow.durationMs)} ms (the first client connected before), where each client more adds its slots' calls; ` +
      `${slow.rounds} rounds, variants interleaved, new clients each round; medians over rounds:`,
    "",
    table(
      ["pool config", "calls/s", "most clients", "ms to most clients", ...times.map((t) => `clients at ${t} ms`)],
      slow.rows.map((r) => [
        r.variant,
        int(r.callsPerSecond),
        num(r.mostClients, 0),
        int(r.msToMostClients),
        ...times.map((t) => num(r.clientsAt[t], 0)),
      ]),
    ),
  ];
}

/** The overhead section alone (`pnpm bench --only=overhead` writes it to .bench-out/overhead-tables.md). */
export function renderOverhead(results) {
  const o = results.overhead;
  return [
    `Run: \`${results.command}\` on ${results.startedAt}.`,
    `Machine: ${machineLine(results)}.`,
    "",
    table(
      ["target", "measured", "met", "missed by"],
      [throughputTarget(o), defaultBurstTarget(o), defaultBacklogTarget(o)]
        .filter(Boolean)
        .map((t) => [t.target, t.measured, t.met ? "yes" : "**no**", t.miss || "–"]),
    ),
    "",
    overheadCaption(o),
    "",
    overheadTable(o),
    "",
    `Where a sequential call's time goes (stdio; ${o.rounds} rounds, variants interleaved; µs added: median over rounds of the variant minus the bare request in the same round):`,
    "",
    attributionTable(o.attribution),
    "",
    ...poolPathLine(o.poolPath),
    "",
    burstCaption(o.burst),
    "",
    burstTable(o.burst),
    "",
    "Clients open during the cold burst (medians over rounds):",
    "",
    growthTable(o.burst),
    "",
    ...backlogTables(o.backlog),
    "",
    ...slowBacklogTables(o.slowBacklog),
  ].join("\n");
}

export function idleTable(idle) {
  const first = idle.firstQuestion;
  const rest = idle.everyOtherFirstQuestion;
  return table(
    ["measure", "value"],
    [
      ["idle sockets open (connect time)", `${int(idle.connected)} (${num(idle.connectSeconds, 1)} s)`],
      ["server RSS before → with idle sockets", `${num(idle.serverRssBeforeMiB)} → ${num(idle.serverRssIdleMiB)} MiB`],
      ["RSS per idle socket", `${num(idle.rssPerIdleSocketKiB)} KiB`],
      ["MCP child processes while idle", int(idle.mcpChildrenWhileIdle)],
      ["first question of all: latency (starts the MCP client, loads the catalog)", `${num(first.latencyMs)} ms`],
      [
        "first question of all: server RSS growth, MCP child started (its RSS)",
        `${num(first.serverRssGrowthMiB)} MiB, ${first.mcpChildrenStarted} (${num(first.mcpChildRssMiB)} MiB)`,
      ],
      [
        `first question of each other user (${int(rest.users)} at once): p50 / p99`,
        `${int(rest.latencyMs.p50)} / ${int(rest.latencyMs.p99)} ms`,
      ],
      ["server RSS growth per user after its first question (agent made)", `${num(rest.serverRssGrowthPerUserKiB)} KiB`],
      ["MCP child processes after every user asked", int(rest.mcpChildrenAfter)],
      ["errors", Object.keys({ ...first.errors, ...rest.errors }).length === 0 ? "0" : JSON.stringify({ ...first.errors, ...rest.errors })],
      [
        `idle agent (heap per createAgent(), ${int(idle.agentSize.agents)} agents)`,
        `${int(idle.agentSize.bytesPerAgentLlm)} bytes with a model, ${int(idle.agentSize.bytesPerAgentConsole)} bytes as console`,
      ],
    ],
  );
}

export function targetsTable(results) {
  return table(
    ["target", "measured", "met", "missed by"],
    judgeTargets(results).map((t) => [t.target, t.measured, t.met ? "yes" : "**no**", t.miss || "–"]),
  );
}

export function machineLine(results) {
  const m = results.machine;
  return (
    `${m.cores} cores (${m.cpu}), ${m.memTotalGiB} GiB memory, Node ${m.node}, Linux ${m.kernel}; ` +
    `load average at start ${m.loadAverageAtStart.join(" / ")}; open files limit ${m.fdLimit}` +
    (m.autogroups
      ? `; scheduler autogroups ${m.autogroups.apply ? "apply" : "do not apply"} to the bench (${autogroupWhy(m.autogroups)})`
      : "")
  );
}

function autogroupWhy({ enabled, cpuCgroup }) {
  if (!enabled) return "kernel.sched_autogroup_enabled=0";
  return cpuCgroup === "/" ? "enabled, root cpu cgroup" : `enabled, but cpu cgroup ${cpuCgroup}`;
}

/** Everything docs/benchmarks.md shows between its markers. */
export function renderTables(results) {
  return [
    `Run: \`${results.command}\` on ${results.startedAt} (${Math.round(results.durationSeconds)} s).`,
    `Machine: ${machineLine(results)}.`,
    "",
    "### Targets",
    "",
    targetsTable(results),
    "",
    "### Scaling",
    "",
    `Each user asks ${results.scaling.questionsPerUser} question(s), one after another, all users at once: through the console, ` +
      `the first calls server-everything (stdio) and the second the lab server (HTTP); through the agent, the model calls both in every turn. ` +
      `RSS is the server plus its MCP child processes (the HTTP MCP server, a separate process, has its own column); RSS per user is (RSS after the turns − RSS before the users came) / users. ` +
      `A user's first question pays for what its session opens (in per-session, its own MCP child and HTTP session); later questions do not.`,
    "",
    scalingTable(results.scaling),
    "",
    "![MCP connections and RSS against users](benchmarks-scaling.svg)",
    "",
    "### Overhead of the pool",
    "",
    overheadCaption(results.overhead),
    "",
    overheadTable(results.overhead),
    "",
    `Warnings printed during the calls: ${
      Object.entries(results.overhead.warnings)
        .map(([k, n]) => `${k} × ${n}`)
        .join("; ") || "none"
    }.`,
    "",
    "Where a sequential call's time goes (stdio; µs added: median over rounds of the variant minus the bare request in the same round):",
    "",
    attributionTable(results.overhead.attribution),
    "",
    ...poolPathLine(results.overhead.poolPath),
    "",
    burstCaption(results.overhead.burst),
    "",
    burstTable(results.overhead.burst),
    "",
    "Clients open during the cold burst (medians over rounds):",
    "",
    growthTable(results.overhead.burst),
    "",
    ...backlogTables(results.overhead.backlog),
    "",
    ...slowBacklogTables(results.overhead.slowBacklog),
    "",
    "### Idle cost",
    "",
    idleTable(results.idle),
  ].join("\n");
}
