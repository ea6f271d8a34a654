// Serves the built dashboard (dashboard/dist) at /. Paths that are not files get index.html so
// the app can own its URLs; a missing asset is a plain 404, and /api/* stays the API's own 404.
// Without a build the page says how to make one instead of failing obscurely.
import { statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';

/** dashboard/dist of this checkout: three levels above both src/http/routes and dist/http/routes. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

export interface DashboardRouteOptions {
  root: string;
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dashboard not built · telemetry-hub</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This hub runs, but it found no built dashboard to serve. Build it once with</p>
<pre><code>npm run build:dashboard</code></pre>
<p>and reload this page (<code>npm start</code> builds it when it is missing). Meanwhile the API answers at
<a href="/api/devices">/api/devices</a> and its documentation is at <a href="/docs">/docs</a>.</p>
</body></html>
`;

export const dashboardRoutes: FastifyPluginAsyncTypebox<DashboardRouteOptions> = async (app, { root }) => {
  // Only reply.sendFile: the catch-all route below decides what each path means.
  await app.register(fastifyStatic, { root, serve: false });

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    if (!isFile(join(root, 'index.html'))) {
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
    }
    const relative = safeRelative(path);
    if (relative !== null && relative !== '' && isFile(join(root, relative))) return sendAsset(reply, relative);
    // A path with an extension names a file; answering the app for it would hide broken links.
    if (relative === null || extname(relative) !== '') return reply.callNotFound();
    // The page names the current hashed assets, so browsers must revalidate it every time.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
};

function sendAsset(reply: FastifyReply, relative: string): FastifyReply {
  // Vite puts a content hash in every name under assets/, so those never change.
  const hashed = relative.startsWith('assets/');
  return hashed
    ? reply.sendFile(relative, { maxAge: '365d', immutable: true })
    : reply.header('cache-control', 'no-cache').sendFile(relative, { cacheControl: false });
}

/** The path below the dashboard root, or null when it tries to leave it. */
function safeRelative(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split(/[/\\]/).includes('..')) return null;
  return normalize(decoded).replace(/^[/\\]+/, '');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
