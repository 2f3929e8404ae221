import type { FieldSpec } from '@kpp/protocol';

/** Catalogue unit symbols (SI) → Grafana unit ids. */
const BY_SYMBOL: Record<string, string> = {
  W: 'watt',
  J: 'joule',
  Pa: 'pressurepa',
  'm/s': 'velocityms',
  rpm: 'rotrpm',
  '°C': 'celsius',
  m: 'lengthm',
  N: 'forceN',
  'N·m': 'forceNm',
  'm³/s': 'flowcms',
  s: 's',
  ms: 'ms',
  kg: 'masskg',
};

/** Dimensionless fields that are fractions of one. */
const FRACTIONS = new Set(['efficiency', 'compressor_duty']);

/** The Grafana unit for a catalogue field: a known id, a custom suffix, or none. */
export function grafanaUnit(spec: Pick<FieldSpec, 'name' | 'unit'>): string | undefined {
  if (FRACTIONS.has(spec.name)) return 'percentunit';
  if (spec.unit === '') return undefined;
  return BY_SYMBOL[spec.unit] ?? `suffix: ${spec.unit}`;
}
