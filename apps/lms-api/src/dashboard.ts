import { existsSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serves the instructor dashboard (apps/dashboard, a Vite build) at `/`:
 * - files of the build by path; hashed `/assets/*` are cached for a year, `index.html` never;
 * - any other GET that is not an API path and has no file extension answers index.html, so the
 *   dashboard's own paths (`/classes/12`) survive a reload (SPA fallback);
 * - API paths, and missing files with an extension, get the usual JSON 404.
 * When the dashboard is not built, lms-api starts anyway: a warning at start, and `/` answers a
 * JSON 404 saying how to build it. The check is made per request, so a build made after start is
 * served without a restart.
 *
 * The folder is DASHBOARD_DIR, else apps/dashboard/dist next to this app (the same from src/ and
 * dist/). It is read here rather than in config.ts, which another change owns; move it there.
 */
export interface DashboardOptions {
  /** Overrides DASHBOARD_DIR (tests). */
  dir?: string;
}

export const defaultDashboardDir = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

export function dashboardDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.DASHBOARD_DIR?.trim() || defaultDashboardDir);
}

/** Paths that belong to the API and operations routes: never answered with index.html. */
const apiPrefixes = ['/api/', '/docs', '/.well-known/', '/health', '/ready', '/metrics'];
const isApiPath = (path: string) => path === '/api' || apiPrefixes.some((prefix) => path.startsWith(prefix));

/**
 * index.html's policy: scripts and styles only from this origin (Vite emits no inline script),
 * WebSockets to realtime wherever it is. A second line of defence; the dashboard never renders
 * what students wrote as HTML in the first place.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const root = options.dir === undefined ? dashboardDir() : resolve(options.dir);
  const index = resolve(root, 'index.html');
  const built = () => existsSync(index);
  if (!built()) {
    app.log.warn(
      { dir: root },
      'dashboard not built: / answers 404 until `npm run build -w @cellstream/dashboard` (or set DASHBOARD_DIR)',
    );
  }

  // Registered inside this plugin, so `reply.sendFile` exists only here (swagger-ui has its own).
  await app.register(fastifyStatic, {
    root,
    serve: false,
    suppressWarning: true,
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders: (reply, path) => {
      reply.header('x-content-type-options', 'nosniff');
      if (basename(path) === 'index.html') {
        reply.header('cache-control', 'no-store');
        reply.header('content-security-policy', contentSecurityPolicy);
        reply.header('referrer-policy', 'same-origin');
      } else if (path.includes(`${sep}assets${sep}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      } else {
        reply.header('cache-control', 'no-cache');
      }
    },
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApiPath(path)) return reply.callNotFound();
    if (!built()) {
      return reply.code(404).send({
        code: 'LMS_ROUTE_NOT_FOUND',
        message: `The dashboard is not built: run \`npm run build -w @cellstream/dashboard\`, or point DASHBOARD_DIR at a build (looked in ${root}).`,
      });
    }
    let file: string;
    try {
      file = decodeURIComponent(path);
    } catch {
      return reply.callNotFound();
    }
    // Nothing outside the folder, however spelled (sendFile refuses these too; belt and braces).
    if (/(^|[/\\])\.\.([/\\]|$)|\\|\0/.test(file)) return reply.callNotFound();
    const name = file.slice(file.lastIndexOf('/') + 1);
    // A page of the dashboard (no extension): its one document. Otherwise the file, or a 404.
    return reply.sendFile(name === '' || !name.includes('.') ? 'index.html' : file);
  };

  app.get(
    '/',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The instructor dashboard (HTML)',
        description:
          'The dashboard build is served here and at its own paths (`/classes/12`), with its files ' +
          '(`/assets/…`). When it is not built, a 404 with the usual error body says how to build it.',
        produces: ['text/html'],
      },
    },
    serve,
  );
  // Everything else no other route matched: files of the build, or index.html for the
  // dashboard's own paths. Not an API route, so not in the OpenAPI document.
  app.get('*', { schema: { hide: true } }, serve);
};
