import type { Request, RequestHandler } from 'express';
import { Router } from 'express';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetricsOptions {
  /** Histogram buckets in seconds, Prometheus' base unit for time. @defaultValue 5 ms … 10 s */
  latencyBucketsInS: number[];
  /** Node's process metrics (CPU, memory, event-loop lag, GC, handles). @defaultValue true */
  processMetrics: boolean;
}

export const defaultApiMetricsOptions: ApiMetricsOptions = {
  latencyBucketsInS: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  processMetrics: true,
};

/** The `route` label of a response no route produced: static files, the SPA, 404s, preflights, 429s. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Prometheus metrics of one app: a registry of its own (so several apps in one process, as in
 * tests, do not collide), Node's process metrics, and `http_request_duration_seconds` labelled by
 * method, route pattern and status class. The route is the pattern that matched
 * (`/api/sessions/:id`), never the URL, so the number of series stays bounded.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly #latency: Histogram<'method' | 'route' | 'status_class'>;

  constructor(opts: Partial<ApiMetricsOptions> = {}) {
    const o = { ...defaultApiMetricsOptions, ...opts };
    if (o.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent, by route pattern',
      labelNames: ['method', 'route', 'status_class'],
      buckets: o.latencyBucketsInS,
      registers: [this.registry],
    });
  }

  /** `GET /metrics` in the Prometheus text format. Mount before observe() so scrapes are not counted. */
  router(): Router {
    const router = Router();
    router.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', this.registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(await this.registry.metrics());
    });
    return router;
  }

  /** Times every request that reaches it and records it when the response has been sent. */
  observe(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      const route = captureRoutePattern(req);
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.#latency.observe(
          {
            method: req.method,
            route: route() ?? UNMATCHED_ROUTE,
            status_class: `${Math.floor(res.statusCode / 100)}xx`,
          },
          seconds,
        );
      });
      next();
    };
  }
}

/**
 * The full pattern of the last route that matched the request. Express sets `req.route` to the
 * matched route, whose path is relative to its router's mount point; the mount (`req.baseUrl`) is
 * only correct at that moment (the router restores it when an error leaves it), so it is read then.
 */
function captureRoutePattern(req: Request): () => string | undefined {
  let route: unknown;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      pattern = path === undefined ? undefined : `${req.baseUrl}${String(path)}`;
    },
  });
  return () => pattern;
}
