import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { HospitalErrorCode } from './errors.js';

/** The repository root: the nearest folder above this file holding package.json (src or dist). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** `config.dashboardsDir`, or <repo>/dist/dashboards/console when null. */
export function resolveDashboardsDir(configured: string | null): string {
  return configured !== null ? resolve(configured) : join(repoRoot(), 'dist', 'dashboards', 'console');
}

/** Serves the built hospital console at `/`; without a build, `/` says how to make one (503). */
export function staticPlugin(dir: string) {
  return async function staticRoutes(app: FastifyInstance): Promise<void> {
    if (existsSync(join(dir, 'index.html'))) {
      await app.register(fastifyStatic, { root: dir, prefix: '/', index: ['index.html'] });
      return;
    }
    app.log.warn({ dir }, 'hospital console not built; / answers 503');
    app.get('/', async (_req, reply) => reply.code(503).send({
      code: HospitalErrorCode.DASHBOARDS_NOT_BUILT,
      message: `the hospital console is not built (looked in ${dir}); run \`npm run build\` and restart the hub`,
    }));
  };
}
