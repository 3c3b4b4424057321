import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import express, { Router } from 'express';
import { NotFoundError } from '../errors.ts';

export interface WebOptions {
  /** The built Vite client. */
  distDir: string;
  /** The client's public folder (avatars), served when the client is not built. */
  publicDir: string;
}

/**
 * Serves the built client with an SPA fallback to index.html for page navigations. When the client
 * is not built, serves web/public so avatars still load, and answers pages with a hint to build it.
 * Mounted after the API, so `/api` never reaches it.
 */
export function webRouter(opts: WebOptions): Router {
  const router = Router();
  const indexHtml = join(opts.distDir, 'index.html');
  if (!existsSync(indexHtml)) {
    router.use(express.static(opts.publicDir, { index: false }));
    router.use((req, _res, next) => {
      if (isPageNavigation(req.method, req.path, req.accepts('html'))) {
        throw new NotFoundError('the web client is not built: run `npm run build`');
      }
      next();
    });
    return router;
  }
  router.use(
    express.static(opts.distDir, {
      index: false,
      setHeaders: (res, path) => {
        // Vite fingerprints everything under assets/; the rest may change between builds.
        res.setHeader(
          'Cache-Control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  router.use((req, res, next) => {
    if (!isPageNavigation(req.method, req.path, req.accepts('html'))) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
  return router;
}

/** A GET for a path without a file extension from a client that takes HTML: a client-side route. */
function isPageNavigation(method: string, path: string, acceptsHtml: string | false): boolean {
  return (method === 'GET' || method === 'HEAD') && acceptsHtml !== false && extname(path) === '';
}
