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
}

const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
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
    expect(agent.command).toEqual(['node', '--import', 'tsx', 'agent/main.ts']);
  });

  it('when the wiring is read, then the api uses postgres and livekit by service name and the agent reports to the api', () => {
    const api = service('api').environment ?? {};
    expect(api.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
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

  it('when read, then it builds on node 20 bookworm-slim with the offline speech tools and ffmpeg', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim/m);
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
