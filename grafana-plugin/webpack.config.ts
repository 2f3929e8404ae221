/*
 * Extends the scaffolded webpack config (.config/webpack/webpack.config.ts, left untouched):
 * - @kpp/protocol is bundled from its workspace build (protocol/dist) and declared free of side
 *   effects, so the modules the plugin never uses (config resolution and with it zod) drop out;
 * - mqtt resolves to its browser build (package.json "browser" condition).
 */
import path from 'path';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const protocolDist = path.resolve(process.cwd(), '..', 'protocol', 'dist');

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    module: {
      rules: [{ include: protocolDist, sideEffects: false }],
    },
    resolve: {
      conditionNames: ['browser', 'import', 'module', 'default'],
    },
    performance: { hints: false },
  });
};

export default config;
