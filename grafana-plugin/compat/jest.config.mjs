// The compatibility tests (compat/*.test.ts): the root config's Chromium project, pointed at
// this folder. Run by `npm run test:compat -w grafana-plugin`.
import { fileURLToPath } from 'node:url';
import root from '../../jest.config.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const e2e = root.projects.find((p) => typeof p === 'object' && p.displayName === 'grafana-plugin-e2e');

/** @type {import('jest').Config} */
export default {
  rootDir: repo,
  testTimeout: root.testTimeout,
  projects: [{ ...e2e, rootDir: repo, displayName: 'grafana-plugin-compat', testMatch: ['<rootDir>/grafana-plugin/compat/**/*.test.ts'] }],
};
