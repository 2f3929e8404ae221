// Writes protocol/test/golden/<decoder>-<case>/{input.json, expected.json[, options.json]}.
// The expected outcomes are authored here by hand; only the compact hex is taken from the
// encoder (it pins the wire format). Build first (npx tsc -b protocol), then:
//   node protocol/scripts/write-golden.mjs
// Rewrites every case: when the catalogue changes, update `base` and regenerate.
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import * as P from '../dist/index.js';
const root = fileURLToPath(new URL('../test/golden', import.meta.url));
rmSync(root, { recursive: true, force: true });
const base = {
  v: 1,
  unit: 'u1',
  seq: 3000,
  t: 300,
  ts: 1767225900000,
  state: 'running',
  chain_speed_mps: 0.829,
  chain_position_m: 13.153,
  sprocket_rpm: 6.6,
  generator_rpm: 257.6,
  flywheel_rpm: 257.6,
  generator_torque_nm: 7906.2,
  chain_tension_n: 150166,
  clutch_engaged: true,
  flywheel_energy_j: 181888,
  p_el_w: 200459,
  p_mech_w: 213255,
  p_compressor_w: 345036,
  p_net_w: -144577,
  e_in_j: 101589696,
  e_out_j: 57475688,
  e_losses_j: 43932122,
  e_stored_delta_j: 181888,
  e_residual_j: -2.095,
  residual_ratio: 2.1e-8,
  efficiency: 0.56576,
  receiver_pressure_pa: 419962,
  injection_pressure_pa: 376600,
  free_air_flow_m3ps: 0.9,
  compressor_duty: 0.8,
  compressor_discharge_temp_c: 144.93,
  fill_failures: 1,
  bearing_temp_c: 45.3,
  water_temp_c: 20.03,
  tank_level_m: 25,
  floaters_filling: 0,
  floaters_rising: 31,
  floaters_venting: 1,
  floaters_falling: 32,
  floaters_fault: 1,
  fault_mask: 0,
};
const json = (o) => JSON.stringify(o, null, 2) + '\n';
function write(name, input, expected, options) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'input.json'), input);
  writeFileSync(join(dir, 'expected.json'), json(expected));
  if (options) writeFileSync(join(dir, 'options.json'), json(options));
}
const frame = (patch = {}, drop = []) => {
  const f = { ...base, ...patch };
  for (const d of drop) delete f[d];
  return f;
};
const rejectCase = (name, input, code, field, options) =>
  write(
    name,
    typeof input === 'string' || input instanceof Uint8Array ? input : json(input),
    { ok: false, code, ...(field ? { field } : {}) },
    options,
  );

// ---- frames: valid
write('frame-valid-canonical', P.encodeFrame(base) + '\n', { ok: true, value: base });
const nulls = frame({
  chain_speed_mps: null,
  sprocket_rpm: null,
  generator_rpm: null,
  flywheel_rpm: null,
  generator_torque_nm: null,
  chain_tension_n: null,
  receiver_pressure_pa: null,
  compressor_discharge_temp_c: null,
  bearing_temp_c: null,
  water_temp_c: null,
  tank_level_m: null,
  fault_mask: 32,
});
write('frame-valid-sensor-dropout', json(nulls), { ok: true, value: nulls });
const reversed = Object.fromEntries(
  Object.entries(
    frame({ state: 'tripped', clutch_engaged: false, p_net_w: -1e8, efficiency: -1000 }),
  ).reverse(),
);
write('frame-valid-any-key-order', json(reversed), { ok: true, value: reversed });
write(
  'frame-valid-topic-unit',
  json(frame({ unit: 'plant-7_b' })),
  { ok: true, value: frame({ unit: 'plant-7_b' }) },
  { expectedUnit: 'plant-7_b' },
);
// ---- frames: rejections
rejectCase(
  'frame-oversize',
  json(base).replace('{', '{' + ' '.repeat(P.MAX_FRAME_BYTES)),
  'OVERSIZE',
);
rejectCase('frame-not-json-truncated', P.encodeFrame(base).slice(0, 700), 'NOT_JSON');
rejectCase(
  'frame-not-json-nan-literal',
  P.encodeFrame(base).replace('"p_el_w":200459', '"p_el_w":NaN'),
  'NOT_JSON',
);
{
  const text = P.encodeFrame(base);
  const at = text.indexOf('"u1"') + 2;
  rejectCase(
    'frame-not-json-invalid-utf8',
    Buffer.concat([
      Buffer.from(text.slice(0, at)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(text.slice(at)),
    ]),
    'NOT_JSON',
  );
}
rejectCase('frame-not-object-array', '[' + P.encodeFrame(base) + ']', 'NOT_OBJECT');
rejectCase('frame-not-object-null', 'null', 'NOT_OBJECT');
rejectCase('frame-wrong-version', frame({ v: 2 }), 'WRONG_VERSION', 'v');
rejectCase('frame-missing-clock-ts', frame({}, ['ts']), 'MISSING_FIELD', 'ts');
rejectCase('frame-missing-catalogue-field', frame({}, ['e_in_j']), 'MISSING_FIELD', 'e_in_j');
rejectCase(
  'frame-wrong-type-number-as-string',
  frame({ p_el_w: '200459' }),
  'WRONG_TYPE',
  'p_el_w',
);
rejectCase(
  'frame-wrong-type-nan-string',
  frame({ generator_rpm: 'NaN' }),
  'WRONG_TYPE',
  'generator_rpm',
);
rejectCase(
  'frame-wrong-type-boolean-as-number',
  frame({ clutch_engaged: 1 }),
  'WRONG_TYPE',
  'clutch_engaged',
);
rejectCase('frame-wrong-type-null-not-sensor', frame({ p_el_w: null }), 'WRONG_TYPE', 'p_el_w');
rejectCase('frame-wrong-type-fractional-seq', frame({ seq: 3000.5 }), 'WRONG_TYPE', 'seq');
rejectCase(
  'frame-wrong-type-fractional-count',
  frame({ floaters_rising: 31.5 }),
  'WRONG_TYPE',
  'floaters_rising',
);
rejectCase(
  'frame-wrong-type-nested',
  frame({ tank_level_m: { value: 25 } }),
  'WRONG_TYPE',
  'tank_level_m',
);
rejectCase(
  'frame-not-finite',
  P.encodeFrame(base).replace('"e_in_j":101589696', '"e_in_j":1e999'),
  'NOT_FINITE',
  'e_in_j',
);
rejectCase('frame-out-of-range', frame({ chain_speed_mps: 25 }), 'OUT_OF_RANGE', 'chain_speed_mps');
rejectCase('frame-out-of-range-enum', frame({ state: 'exploded' }), 'OUT_OF_RANGE', 'state');
rejectCase('frame-out-of-range-ts-seconds', frame({ ts: 1767225900 }), 'OUT_OF_RANGE', 'ts');
rejectCase('frame-out-of-range-negative-seq', frame({ seq: -1 }), 'OUT_OF_RANGE', 'seq');
rejectCase('frame-unknown-field', frame({ p_el_kw: 200.459 }), 'UNKNOWN_FIELD', 'p_el_kw');
rejectCase(
  'frame-unknown-field-proto',
  P.encodeFrame(base).replace('{', '{"__proto__":{"polluted":true},'),
  'UNKNOWN_FIELD',
  '__proto__',
);
rejectCase('frame-bad-unit-id', frame({ unit: 'Unit 1' }), 'BAD_UNIT_ID', 'unit');
rejectCase('frame-unit-mismatch', frame({ unit: 'u1' }), 'UNIT_MISMATCH', 'u2', {
  expectedUnit: 'u2',
});

// ---- commands
const cmdOk = (name, c) => write(name, json(c), { ok: true, value: c });
cmdOk('command-valid-start', { id: 'c-1', cmd: 'start' });
cmdOk('command-valid-reset', { id: 'c-2', cmd: 'reset' });
cmdOk('command-valid-set', {
  id: 'c-3',
  cmd: 'set',
  params: { target_speed_mps: 1.5, nanobubbles: true, load_setpoint_w: -2e5 },
});
cmdOk('command-valid-inject-fault', {
  id: 'c-4',
  cmd: 'inject_fault',
  fault: 'bearing_overheating',
});
cmdOk('command-valid-clear-fault', {
  id: 'x'.repeat(64),
  cmd: 'clear_fault',
  fault: 'sensor_dropout',
});
rejectCase(
  'command-oversize',
  JSON.stringify({ id: 'c', cmd: 'set', params: { a: 1 } }).replace(
    '{',
    '{' + ' '.repeat(P.MAX_COMMAND_BYTES),
  ),
  'OVERSIZE',
);
rejectCase('command-not-json', "{id: 'c-1', cmd: 'start'}", 'NOT_JSON');
rejectCase('command-not-object', '"start"', 'NOT_OBJECT');
rejectCase('command-missing-cmd', { id: 'c-1' }, 'MISSING_FIELD', 'cmd');
rejectCase('command-missing-id', { cmd: 'stop' }, 'MISSING_FIELD', 'id');
rejectCase('command-wrong-type-id', { id: 42, cmd: 'stop' }, 'WRONG_TYPE', 'id');
rejectCase('command-wrong-type-cmd', { id: 'c', cmd: ['start'] }, 'WRONG_TYPE', 'cmd');
rejectCase('command-id-too-long', { id: 'x'.repeat(65), cmd: 'pause' }, 'OUT_OF_RANGE', 'id');
rejectCase('command-id-empty', { id: '', cmd: 'pause' }, 'OUT_OF_RANGE', 'id');
rejectCase('command-unknown-command', { id: 'c', cmd: 'self_destruct' }, 'UNKNOWN_COMMAND', 'cmd');
rejectCase('command-set-missing-params', { id: 'c', cmd: 'set' }, 'MISSING_FIELD', 'params');
rejectCase(
  'command-set-empty-params',
  { id: 'c', cmd: 'set', params: {} },
  'MISSING_FIELD',
  'params',
);
rejectCase(
  'command-set-params-not-object',
  { id: 'c', cmd: 'set', params: [1, 2] },
  'WRONG_TYPE',
  'params',
);
rejectCase(
  'command-set-param-long-string',
  { id: 'c', cmd: 'set', params: { control_mode: 'x'.repeat(65) } },
  'WRONG_TYPE',
  'control_mode',
);
rejectCase(
  'command-set-param-nested',
  { id: 'c', cmd: 'set', params: { target: { speed: 1 } } },
  'WRONG_TYPE',
  'target',
);
rejectCase(
  'command-set-param-infinite',
  '{"id":"c","cmd":"set","params":{"target_speed_mps":-1e999}}',
  'NOT_FINITE',
  'target_speed_mps',
);
rejectCase(
  'command-set-param-proto',
  '{"id":"c","cmd":"set","params":{"__proto__":1}}',
  'UNKNOWN_PARAMETER',
  '__proto__',
);
rejectCase(
  'command-inject-missing-fault',
  { id: 'c', cmd: 'inject_fault' },
  'MISSING_FIELD',
  'fault',
);
rejectCase(
  'command-inject-unknown-fault',
  { id: 'c', cmd: 'inject_fault', fault: 'meteor_strike' },
  'UNKNOWN_FAULT',
  'meteor_strike',
);
rejectCase(
  'command-unknown-field',
  { id: 'c', cmd: 'start', params: { a: 1 } },
  'UNKNOWN_FIELD',
  'params',
);
rejectCase(
  'command-unknown-field-fault-on-set',
  { id: 'c', cmd: 'set', params: { a: 1 }, fault: 'chain_jam' },
  'UNKNOWN_FIELD',
  'fault',
);

// ---- acks, clock, health, meta
const ackOk = { id: 'c-1', cmd: 'start', ok: true, ts: 1767225900000 };
write('ack-valid-ok', json(ackOk), { ok: true, value: ackOk });
const ackErr = {
  id: '',
  cmd: 'self_destruct',
  ok: false,
  code: 'UNKNOWN_COMMAND',
  error: 'cmd "self_destruct" is not one of …',
  ts: 1767225900000,
};
write('ack-valid-error', json(ackErr), { ok: true, value: ackErr });
rejectCase('ack-unknown-code', { ...ackErr, code: 'OOPS' }, 'OUT_OF_RANGE', 'code');
rejectCase('ack-ok-with-error', { ...ackOk, error: 'x' }, 'UNKNOWN_FIELD', 'error');
const clock = { seq: 3000, ts: 1767225900000, rate_hz: 10, started_at: 1767225600000 };
write('clock-valid', json(clock), { ok: true, value: clock });
rejectCase('clock-ts-before-start', { ...clock, ts: 1767225500000 }, 'OUT_OF_RANGE', 'started_at');
rejectCase('clock-zero-rate', { ...clock, rate_hz: 0 }, 'OUT_OF_RANGE', 'rate_hz');
const health = {
  component: 'writer',
  instance: 'w-1',
  ts: 1767225900000,
  metrics: { frames_in_rate: 100.5, queue_depth: 0, rejected_not_json: 3 },
};
write('health-valid', json(health), { ok: true, value: health });
rejectCase(
  'health-bad-component',
  { ...health, component: 'Writer!' },
  'BAD_COMPONENT_ID',
  'component',
);
rejectCase(
  'health-metric-not-number',
  { ...health, metrics: { rss_bytes: '12 MB' } },
  'WRONG_TYPE',
  'rss_bytes',
);
rejectCase(
  'health-metrics-nested',
  { ...health, metrics: { cpu: { user: 1 } } },
  'WRONG_TYPE',
  'cpu',
);
const meta = P.encodeMeta('u1');
write('meta-valid', json(JSON.parse(meta)), { ok: true, value: JSON.parse(meta) });
rejectCase(
  'meta-wrong-version',
  { ...JSON.parse(meta), frame_version: 9 },
  'WRONG_VERSION',
  'frame_version',
);
rejectCase(
  'meta-enum-without-values',
  {
    ...JSON.parse(meta),
    fields: [
      { name: 'state', kind: 'enum', unit: '', description: '', resolution: 1, min: 0, max: 3 },
    ],
  },
  'MISSING_FIELD',
  'values',
);

// ---- compact: the wire format pinned
const enc = P.createCompactEncoder({ rateHz: 10 });
const key = enc.encode(base);
const delta = enc.encode({
  ...base,
  seq: 3001,
  t: 300.1,
  ts: 1767225900100,
  chain_position_m: 13.236,
  e_in_j: 101624200,
  p_el_w: 200460,
  clutch_engaged: false,
  bearing_temp_c: null,
});
write('compact-keyframe', json(base), { ok: true, hex: Buffer.from(key).toString('hex') });
write(
  'compact-delta',
  json([
    base,
    {
      ...base,
      seq: 3001,
      t: 300.1,
      ts: 1767225900100,
      chain_position_m: 13.236,
      e_in_j: 101624200,
      p_el_w: 200460,
      clutch_engaged: false,
      bearing_temp_c: null,
    },
  ]),
  { ok: true, hex: [Buffer.from(key).toString('hex'), Buffer.from(delta).toString('hex')] },
);
