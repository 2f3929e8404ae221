// Native ESM jest (Aedes 1.x is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules.
// Tests import sibling packages from source, so `npm test` never runs against a stale dist/.
// Three projects in one run (CI counts the JSON output of that one run):
//   node                 every package's test/ (unchanged from the single-project config)
//   grafana-plugin       the plugin's unit tests (jsdom, React), grafana-plugin/jest.config.js
//   grafana-plugin-e2e   the plugin in headless Chromium against real servers (node, ESM)

/** @type {import('jest').Config} */
const node = {
  displayName: 'node',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^@kpp/([a-z-]+)$': '<rootDir>/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/*/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/grafana-plugin/'],
  testTimeout: 30000,
};

/** @type {import('jest').Config} */
const pluginE2e = {
  ...node,
  displayName: 'grafana-plugin-e2e',
  testMatch: ['<rootDir>/grafana-plugin/test/integration/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** @type {import('jest').Config} */
export default {
  // Global (jest-circus reads the timeout from the global config, not from a project).
  testTimeout: 30000,
  projects: [node, '<rootDir>/grafana-plugin/jest.config.js', pluginE2e],
};
