/** What the interleaved sections share: CPU time of a process, medians, rounding, the order of rounds and their summary. */

import { readFileSync } from "node:fs";

/** utime + stime of one process, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const round1 = (value) => Math.round(value * 10) / 10;
export const round3 = (value) => Math.round(value * 1000) / 1000;
export const minMax = (values) => [round3(Math.min(...values)), round3(Math.max(...values))];

/** `order` rotated by `round`: each variant goes first in turn, so drift falls on all alike. */
export function rotated(order, round) {
  const k = round % order.length;
  return [...order.slice(k), ...order.slice(0, k)];
}

/**
 * `rounds` rounds of `measureOne(variant, round)` for every variant, each going first in turn;
 * one `{ [variant]: row }` per round, as compareRounds takes them.
 */
export async function alternatingRounds(rounds, variants, measureOne) {
  const measured = [];
  for (let round = 0; round < rounds; round++) {
    const row = {};
    for (const variant of rotated(variants, round)) row[variant] = await measureOne(variant, round);
    measured.push(row);
  }
  return measured;
}

/**
 * The summary of interleaved A/B rounds (`rounds`: one `{ [a]: row, [b]: row }` per round): each variant's
 * medians of `fields` (a field and its rounding), and for each field named in `ratios` (field -> name
 * of its ratio) the median and the range of the per-round ratios b / a.
 */
export function compareRounds(rounds, [a, b], fields, ratios) {
  const medianOf = (variant) =>
    Object.fromEntries(Object.entries(fields).map(([field, round]) => [field, round(median(rounds.map((pair) => pair[variant][field])))]));
  const ratiosOf = (field) => rounds.map((pair) => pair[b][field] / pair[a][field]);
  const medians = { [a]: medianOf(a), [b]: medianOf(b) };
  const spread = {};
  for (const [field, name] of Object.entries(ratios)) {
    medians[name] = round3(median(ratiosOf(field)));
    spread[name] = minMax(ratiosOf(field));
  }
  return { median: medians, spread };
}
