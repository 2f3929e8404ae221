import { Point } from '@influxdata/influxdb-client';
import {
  FIELD_CATALOGUE,
  HEALTH_MEASUREMENT,
  STAMP_FIELDS,
  UNIT_MEASUREMENT,
  UNIT_TAG,
  type Frame,
  type HealthMessage,
} from '@kpp/protocol';

/** Point time is already epoch milliseconds; the writer always writes with precision=ms. */
const msPrecision = {
  convertTime: (value: string | number | Date | undefined): string | undefined => {
    if (value === undefined) throw new Error('point without a timestamp');
    if (typeof value === 'number') return String(Math.floor(value));
    if (value instanceof Date) return String(value.getTime());
    return value;
  },
};

/**
 * Frame → `kpp_unit` point: tag `unit`; numbers as floats, booleans as booleans, enumerations
 * as strings; null sensor readings omitted; time = frame `ts` (ms), so a replay overwrites itself.
 */
export function framePoint(frame: Frame): Point {
  const point = new Point(UNIT_MEASUREMENT).tag(UNIT_TAG, frame.unit).timestamp(frame.ts);
  const values = frame as unknown as Record<string, unknown>;
  for (const name of STAMP_FIELDS) point.floatField(name, values[name]);
  for (const spec of FIELD_CATALOGUE) {
    const value = values[spec.name];
    if (value === null || value === undefined) continue;
    if (spec.kind === 'number') point.floatField(spec.name, value);
    else if (spec.kind === 'boolean') point.booleanField(spec.name, value === true);
    else point.stringField(spec.name, value);
  }
  return point;
}

/** Health message → `kpp_health` point: tags component, instance; every metric a float. */
export function healthPoint(health: HealthMessage): Point {
  const point = new Point(HEALTH_MEASUREMENT)
    .tag('component', health.component)
    .tag('instance', health.instance)
    .timestamp(health.ts);
  for (const [name, value] of Object.entries(health.metrics)) {
    if (Number.isFinite(value)) point.floatField(name, value);
  }
  return point;
}

/**
 * Line protocol for a point at ms precision, built and escaped by the InfluxDB client.
 * Undefined when the point has no fields (InfluxDB would reject it).
 */
export function toLine(point: Point): string | undefined {
  return point.toLineProtocol(msPrecision);
}
