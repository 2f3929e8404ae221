/**
 * The InfluxDB storage contract: where the writer puts frames and health, and how InfluxQL
 * names and strings are quoted. The writer, the history read path, the Grafana plugin, the
 * provisioning generator and the bench all read these, so they cannot disagree. No I/O: the
 * browser plugin bundles it.
 */

/** One point per frame: tag `unit`, one field per catalogue field plus the clock stamp. */
export const UNIT_MEASUREMENT = 'kpp_unit';
/** One point per health message: tags `component`, `instance`, one float per metric. */
export const HEALTH_MEASUREMENT = 'kpp_health';

/** The tag that names a unit in `kpp_unit` and its rollup. */
export const UNIT_TAG = 'unit';

/** 1-minute rollups of the two measurements (InfluxDB 1.x continuous queries, 2.x tasks). */
export const UNIT_ROLLUP_MEASUREMENT = 'kpp_unit_1m';
export const HEALTH_ROLLUP_MEASUREMENT = 'kpp_health_1m';
/** Retention policy (1.x) the rollups are written to unless configured otherwise. */
export const ROLLUP_RETENTION_POLICY = 'rollup';
/** Field in the unit rollup counting the frames that fell into each minute (gaps show as < 600 at 10 Hz). */
export const ROLLUP_COUNT_FIELD = 'frames';

/** Clock-stamp fields stored beside the catalogue fields (floats), so gaps can be found by `seq`. */
export const STAMP_FIELDS = ['seq', 't'] as const;

/** Quotes an InfluxQL identifier (measurement, field, tag, database, retention policy). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Quotes an InfluxQL string literal (tag values in WHERE). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
