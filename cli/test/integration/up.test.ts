import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, requireBinary, startProcess, tempDir, waitFor, type ManagedProcess, type TempDir } from '@kpp/testkit';

const run = promisify(execFile);
const KPP = fileURLToPath(new URL('../../dist/bin/kpp.js', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('kpp up (npm start)', () => {
  let dir: TempDir;
  let up: ManagedProcess | undefined;

  afterAll(async () => {
    await up?.kill();
    await dir?.remove();
  });

  it('has frames in a local influxd within 15 s, kpp history shows them, and SIGINT leaves nothing running', async () => {
    requireBinary('influxd');
    dir = await tempDir('kpp-up-');
    const [mqtt, ws, http, influx] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      KPP_BROKER_MQTT_PORT: String(mqtt),
      KPP_BROKER_WS_PORT: String(ws),
      KPP_BROKER_HTTP_PORT: String(http),
      KPP_LOG_LEVEL: 'info',
    };
    const started = Date.now();
    up = await startProcess('kpp up', process.execPath, {
      args: [KPP, 'up', '--data-dir', dir.path, '--influx-port', String(influx)],
      env,
      readyWhen: /KPP Live is up/,
      timeoutMs: 30_000,
    });
    const influxPid = Number(/"msg":"local influxd started"/.test(up.output) && /"url":"[^"]+","pid":(\d+)/.exec(up.output)?.[1]);
    expect(influxPid).toBeGreaterThan(0);

    const url = `http://127.0.0.1:${influx}`;
    const count = async () => {
      const res = await fetch(`${url}/query?db=kpp&q=${encodeURIComponent('SELECT count(p_el_w) FROM kpp_unit')}`);
      const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] };
      return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
    };
    await waitFor(async () => (await count()) >= 3, { timeoutMs: 15_000, what: 'frames in InfluxDB' });
    expect(Date.now() - started).toBeLessThan(15_000 + 30_000);

    const { stdout } = await run(process.execPath, [KPP, 'history', '--unit', 'u2', '--fields', 'p_el_w,chain_speed_mps', '--from', '-5m', '--format', 'csv', '--influx-url', url]);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toMatch(/time.*p_el_w.*chain_speed_mps/);
    expect(rows.length).toBeGreaterThan(1);

    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
    expect(alive(influxPid)).toBe(false);
    expect(up.output).toContain('"msg":"broker stopped"');
  }, 90_000);
});
