import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../scripts/livekit-server.ts';

// No Docker engine here: these checks catch the mistakes that only show up at `docker compose up`.
interface Service {
  build?: { context?: string; dockerfile?: string } | string;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; retries?: number };
  stop_grace_period?: string;
}

const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no ${name} service`);
  return s;
};

describe('docker-compose.yml', () => {
  it('when parsed, then it has exactly the livekit, egress, redis, postgres, api and agent services', () => {
    expect(Object.keys(services).sort()).toEqual(['agent', 'api', 'egress', 'livekit', 'postgres', 'redis']);
  });

  it("when egress is read, then it shares livekit's keys and redis, is not published, and the api sends broadcasts through it", () => {
    const egress = service('egress');
    expect(egress.image).toMatch(/^livekit\/egress:[\w.-]+$/);
    expect(egress.ports).toBeUndefined();
    expect(egress.depends_on).toMatchObject({ redis: { condition: 'service_healthy' } });
    const config = parse(egress.environment?.EGRESS_CONFIG_BODY ?? '') as Record<string, unknown>;
    const api = service('api').environment ?? {};
    expect(config).toMatchObject({
      api_key: api.LIVEKIT_API_KEY,
      api_secret: api.LIVEKIT_API_SECRET,
      ws_url: 'ws://livekit:7880',
      redis: { address: 'redis:6379' },
    });
    expect(api.LIVEKIT_EGRESS_ENABLED).toMatch(/true/);
    expect(api.PUBLIC_WEB_URL).toBeTruthy();
  });

  it('when the local livekit.yaml is read, then it runs without redis (npm start) and says how to add it', () => {
    const local = parse(read('livekit.yaml')) as Record<string, unknown>;
    expect(local.redis).toBeUndefined();
    expect(read('livekit.yaml')).toMatch(/^# redis:\n#\s+address: /m);
  });

  it('when each service is read, then it says what to build or which image to run', () => {
    for (const [name, s] of Object.entries(services)) expect(s.build ?? s.image, name).toBeTruthy();
    for (const name of ['livekit', 'redis', 'postgres'])
      expect(service(name).image, name).toMatch(/:[\w.-]+$/);
  });

  it('when the api and agent are read, then they build the one Dockerfile and run different commands', () => {
    const api = service('api');
    const agent = service('agent');
    expect(api.build).toEqual(agent.build);
    expect(api.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
    expect(api.command).toEqual(['node', '--import', 'tsx', 'api/main.ts']);
    // The worker runs as the plain JavaScript the Dockerfile bundles (`npm run build:agent`).
    expect(agent.command).toEqual(['node', '--enable-source-maps', 'dist/agent/main.js']);
    expect(read('Dockerfile')).toMatch(/npm run build:agent/);
  });

  it('when the wiring is read, then the api uses postgres and livekit by service name and the agent reports to the api', () => {
    const api = service('api').environment ?? {};
    expect(api.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(api.REDIS_URL).toMatch(/^redis:\/\/redis:6379(\/\d+)?$/);
    expect(service('api').depends_on).toMatchObject({ redis: { condition: 'service_healthy' } });
    expect(api.LIVEKIT_URL).toBe('ws://livekit:7880');
    expect(api.HOST).toBe('0.0.0.0');
    for (const key of ['LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'LIVEKIT_PUBLIC_URL'])
      expect(api[key], key).toBeTruthy();
    const agent = service('agent').environment ?? {};
    expect(agent.API_URL).toBe('http://api:3000');
    expect(agent.LIVEKIT_URL).toBe('ws://livekit:7880');
    expect(agent.LIVEKIT_API_SECRET).toBe(api.LIVEKIT_API_SECRET);
    expect(service('livekit').environment?.LIVEKIT_KEYS).toBe(
      `${api.LIVEKIT_API_KEY}: ${api.LIVEKIT_API_SECRET}`,
    );
  });

  it('when ports are read, then the api and livekit are published and postgres and redis are not', () => {
    expect(service('api').ports?.some((p) => p.endsWith(':3000'))).toBe(true);
    expect(service('livekit').ports).toEqual(
      expect.arrayContaining(['7880:7880', '7881:7881', '7882:7882/udp']),
    );
    expect(service('postgres').ports).toBeUndefined();
    expect(service('redis').ports).toBeUndefined();
  });

  it('when livekit is read, then it mounts its own config that binds every interface and uses the redis service', () => {
    const mount = service('livekit').volumes?.find((v) => v.endsWith(':/etc/livekit.yaml:ro'));
    expect(mount).toBeDefined();
    const file = mount!.split(':')[0]!;
    expect(existsSync(join(projectRoot, file)), file).toBe(true);
    const config = parse(read(file)) as {
      bind_addresses: string[];
      redis: { address: string };
      keys?: unknown;
    };
    expect(config.bind_addresses).toEqual(['0.0.0.0']);
    expect(config.redis.address).toBe('redis:6379');
    expect(config.keys).toBeUndefined();
  });

  it('when it references environment variables, then .env.example documents every one', () => {
    const examplePath = join(projectRoot, '.env.example');
    if (!existsSync(examplePath)) return; // .env.example is optional; when present it must be complete
    const documented = new Set(
      readFileSync(examplePath, 'utf8')
        .split('\n')
        .map((l) => /^\s*([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
        .filter(Boolean),
    );
    const referenced = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect([...referenced].filter((v) => !documented.has(v))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('when read, then it builds on node 24 (an LTS) bookworm-slim with the offline speech tools and ffmpeg', () => {
    expect(dockerfile).toMatch(/^FROM node:24-bookworm-slim/m);
    for (const pkg of ['espeak-ng', 'pocketsphinx', 'pocketsphinx-en-us', 'ffmpeg']) {
      expect(dockerfile).toMatch(new RegExp(`apt-get install[^\\n]*\\s${pkg}(\\s|$)`, 'm'));
    }
  });

  it('when read, then it installs with npm ci, skips the onnxruntime download and builds the web client', () => {
    expect(dockerfile).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
  });

  it('when .dockerignore is read, then local state and secrets stay out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', '.env', 'data', '.git']) expect(ignored).toContain(entry);
  });
});

/** A compose duration (`30s`, `1m30s`, `500ms`) in milliseconds. */
function durationMs(value: string | undefined): number {
  const parts = [...(value ?? '').matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  expect(parts.map((p) => p[0]).join(''), `duration ${value}`).toBe(value);
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u as keyof typeof unit], 0);
}

/** The healthcheck's command as one string. */
const probe = (s: Service) => [s.healthcheck?.test ?? []].flat().join(' ');

// Regression: without webhooks egress broadcasts stayed `starting` and rooms never finished; the
// agent's spool lived in its container; `docker compose stop` killed the agent mid-drain; nothing
// said whether livekit, the agent or egress were up.
describe('docker-compose.yml operations', () => {
  it("when livekit is read, then it posts its webhooks to the api's webhook route, signed with the api's key", () => {
    const livekit = service('livekit');
    const file = livekit.volumes?.find((v) => v.endsWith(':/etc/livekit.yaml:ro'))?.split(':')[0] ?? '';
    const config = parse(read(file)) as { webhook?: { api_key?: string; urls?: string[] } };
    expect(config.webhook?.api_key).toBeTruthy();
    expect(config.webhook?.urls).toEqual(['http://api:3000/api/livekit/webhook']);
    const api = service('api');
    expect(api.environment?.PORT).toBe('3000');
    expect(read('api/app.ts')).toMatch(/'\/api\/livekit',\s*livekitWebhookRouter\(/);
    expect(read('api/routes/livekit-webhook.ts')).toMatch(/router\.post\('\/webhook'/);
    // The file's key is overridden from the environment with the api's own key (one of LIVEKIT_KEYS).
    const key = livekit.environment?.LIVEKIT_WEBHOOK_API_KEY;
    expect(key).toBe(api.environment?.LIVEKIT_API_KEY);
    expect(livekit.environment?.LIVEKIT_KEYS?.startsWith(`${key}: `)).toBe(true);
  });

  it("when the agent is read, then its spool directory is a named volume the image's user can write", () => {
    const agent = service('agent');
    const dir = agent.environment?.AGENT_SPOOL_DIR ?? '';
    expect(dir).toMatch(/^\//);
    const mount = agent.volumes?.find((v) => v.endsWith(`:${dir}`));
    expect(mount, `a volume at ${dir}`).toBeDefined();
    const name = mount!.split(':')[0]!;
    expect(name).toMatch(/^[a-z][\w-]*$/); // a named volume, not a bind mount
    expect(Object.keys(compose.volumes ?? {})).toContain(name);
    // A fresh named volume takes the owner of the image's directory: the image must make it node's.
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    const mkdir = new RegExp(`RUN mkdir -p ${dir}\\s*&&\\s*chown -R node:node (\\S+)`).exec(dockerfile);
    expect(mkdir, `the Dockerfile creates ${dir}`).not.toBeNull();
    expect(dir.startsWith(mkdir![1]!)).toBe(true);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it("when the agent is stopped, then its grace period covers the worker's drain", () => {
    const drain = /\.drain\((\d[\d_]*)\)/.exec(read('agent/main.ts'))?.[1];
    expect(drain, 'agent/main.ts drains with a timeout').toBeDefined();
    const drainMs = Number(drain!.replaceAll('_', ''));
    // The drain, the worker's close after it, and the exit.
    expect(durationMs(service('agent').stop_grace_period)).toBeGreaterThanOrEqual(drainMs + 10_000);
  });

  it('when livekit, the agent and egress are read, then each has a healthcheck on its own health port', () => {
    // livekit-server: HTTP 200 on / of its port.
    const port = (parse(read('deploy/livekit.compose.yaml')) as { port: number }).port;
    expect(probe(service('livekit'))).toMatch(
      new RegExp(`^CMD (wget|curl) .*http://127\\.0\\.0\\.1:${port}/$`),
    );
    // The agent: the worker's health server, bound to every interface of the container.
    const agent = service('agent');
    expect(agent.environment?.AGENT_HTTP_HOST).toBe('0.0.0.0');
    expect(probe(agent)).toContain(`http://127.0.0.1:${agent.environment?.AGENT_HTTP_PORT}/`);
    expect(agent.ports).toBeUndefined();
    // Egress: the health_port of its config.
    const egress = parse(service('egress').environment?.EGRESS_CONFIG_BODY ?? '') as { health_port?: number };
    expect(egress.health_port).toBeGreaterThan(0);
    expect(probe(service('egress'))).toContain(`http://127.0.0.1:${egress.health_port}/`);
    for (const name of ['livekit', 'agent', 'egress', 'api']) {
      const h = service(name).healthcheck;
      expect(h?.retries, name).toBeGreaterThan(0);
      expect(durationMs(h?.timeout), name).toBeLessThan(durationMs(h?.interval) + 1);
    }
    // Whoever needs livekit waits until it is healthy, not merely started.
    for (const name of ['api', 'agent', 'egress'])
      expect(service(name).depends_on?.livekit, name).toEqual({ condition: 'service_healthy' });
  });
});
