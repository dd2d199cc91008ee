import type { AgentEvent } from "../../src/index.js";

/** Every event of a turn, in order. */
export async function collect(events: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const all: AgentEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** The turn's last event, which must be its only answer or error. */
export function lastEvent(events: AgentEvent[]): AgentEvent {
  const ends = events.filter((e) => e.type === "answer" || e.type === "error");
  if (ends.length !== 1 || events.at(-1) !== ends[0]) {
    throw new Error(`expected exactly one answer or error, last: ${JSON.stringify(events)}`);
  }
  return ends[0]!;
}
