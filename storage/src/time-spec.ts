const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** `10s`, `1h30m`, `500ms`, `7d` → milliseconds; undefined if not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(PART_RE)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms;
}

/**
 * A point in time as people write it on a command line: `now`, `-1h` / `now-1h` (relative),
 * an ISO 8601 date, or epoch milliseconds. Undefined if unreadable.
 */
export function parseTimeSpec(text: string, nowMs: number): number | undefined {
  const t = text.trim();
  if (t === 'now') return nowMs;
  const rel = /^(?:now)?-(.+)$/.exec(t);
  if (rel) {
    const d = parseDuration(rel[1] as string);
    return d === undefined ? undefined : nowMs - d;
  }
  if (/^\d{10,}$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** InfluxQL duration literal for a whole number of ms (`10s`, `1m`, `1500ms`). */
export function influxDurationLiteral(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms)}ms`;
}
