// The plugin's unit tests: jsdom + React, run as the `grafana-plugin` project of the root jest
// config (npm test at the root). Extends the scaffolded .config/jest.config.js.
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

// @grafana/* 13.x pull in dozens of ESM-only packages (d3-*, @react-hookz, @ver0, …), more than
// the scaffold's allow-list: transform node_modules except the big CommonJS builds that never
// need it.
const cjsOnly = [
  'react',
  'react-dom',
  'scheduler',
  'rxjs',
  'lodash',
  'moment',
  'monaco-editor',
  'jsdom',
  '@testing-library',
  'mqtt',
];

module.exports = {
  ...base,
  displayName: 'grafana-plugin',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.test.{ts,tsx}'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/integration/'],
  transformIgnorePatterns: [`/node_modules/(${cjsOnly.join('|')})/`, '/node_modules/@grafana/[a-z-]+/dist/cjs/'],
  transform: {
    ...base.transform,
    // Grafana's ESM-only dependencies (d3-*, …) resolve to .mjs files under Jest 30.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  moduleNameMapper: {
    ...base.moduleNameMapper,
    // The plugin bundles @kpp/protocol; tests read it from source like every other package.
    '^@kpp/protocol$': '<rootDir>/../protocol/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
