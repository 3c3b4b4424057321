// Scale-out on LiveKit's own multi-node: two livekit-server nodes sharing one Redis, an agent
// worker registered with each, and two API replicas on one Postgres database, each replica talking
// to its own node. Everything is real; nothing here stands in for LiveKit's routing.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import { type RunningApi, startApi } from '../../api/main.ts';
import { type ApiConfig, loadApiConfig } from '../../api/config.ts';
import { createLogger } from '../../api/logger.ts';
import { type TestDatabase, createMigratedTestDatabase } from '../../db/testing.ts';
import { type RunningLivekitServer, freeTcpPort, startLivekitServer } from '../../scripts/livekit-server.ts';
import { type Stack, type Worker, startWorker } from './stack.ts';

/** The Redis the nodes share: the machine's own unless `TEST_REDIS_ADDRESS` names another. */
export const testRedisAddress = process.env.TEST_REDIS_ADDRESS ?? '127.0.0.1:6379';

/** Marks a logical database as taken by one test run, so that runs side by side use different ones. */
const CLAIM_KEY = 'troupe:test:claimed-by';

/** A Redis logical database this run has to itself (for keys; pub/sub is per server, not per database). */
export interface ClaimedRedisDb {
  db: number;
  /** A client on that database. */
  client: ReturnType<typeof createClient>;
  /** Deletes every key in the database (the nodes' and the claim) and disconnects. */
  release(): Promise<void>;
}

/**
 * Claims an empty logical database (1–15) of the Redis at `address`: the first where the claim key
 * can be set and nothing else is stored. Fails, naming Redis, when it cannot be reached.
 */
export async function claimRedisDb(address = testRedisAddress): Promise<ClaimedRedisDb> {
  for (let db = 1; db < 16; db++) {
    const client = createClient({
      url: `redis://${address}`,
      database: db,
      socket: { connectTimeout: 5000 },
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw new Error(
        `Redis is required for the multi-node test: could not connect to ${address} ` +
          `(set TEST_REDIS_ADDRESS to another host:port): ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    // An hour, so that a run killed outright frees its database for later runs.
    const claimed = await client.set(CLAIM_KEY, String(process.pid), {
      condition: 'NX',
      expiration: { type: 'PX', value: 3_600_000 },
    });
    if (claimed === 'OK' && (await client.dbSize()) === 1) {
      return {
        db,
        client,
        release: async () => {
          await client.flushDb();
          client.destroy();
        },
      };
    }
    if (claimed === 'OK') await client.del(CLAIM_KEY);
    client.destroy();
  }
  throw new Error(`no empty Redis database (1–15) at ${address} to run the multi-node test in`);
}

/** A livekit-server node of the cluster and what it logged. */
export interface LivekitNode extends RunningLivekitServer {
  /** The node's ID in Redis (`ND_…`), from its start-up line. */
  nodeId: string;
  /** Its ICE ports, from the same line: where the media of the rooms it hosts arrives. */
  rtcPorts: { tcp: number; udp: number };
  /** Every line the node printed (livekit logs at info: node ID, room placement, participants). */
  log: string[];
}

/** Starts one node on free ports, in the shared Redis database, logging at info into `log`. */
async function startNode(redisDb: number, webhookUrl: string): Promise<LivekitNode> {
  const server = await startLivekitServer({
    stdio: 'pipe',
    redisAddress: testRedisAddress,
    redisDb,
    nodeIp: '127.0.0.1',
    logLevel: 'info',
    webhookUrls: [webhookUrl],
  });
  const log: string[] = [];
  const started = new Promise<Pick<LivekitNode, 'nodeId' | 'rtcPorts'>>((resolve, reject) => {
    for (const stream of [server.process.stdout!, server.process.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.push(line);
        if (log.length > 20_000) log.shift();
        const start =
          /starting LiveKit server.*"nodeID": "(ND_\w+)".*"rtc\.portTCP": (\d+), "rtc\.portUDP": \{"Start":(\d+)/.exec(
            line,
          );
        if (start) resolve({ nodeId: start[1]!, rtcPorts: { tcp: Number(start[2]), udp: Number(start[3]) } });
      });
    }
    const timer = setTimeout(
      () => reject(new Error(`livekit-server never logged its node ID:\n${log.join('\n')}`)),
      20_000,
    );
    timer.unref();
  });
  try {
    return Object.assign(server, await started, { log });
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** One pino record an API replica wrote. */
export interface ApiLogRecord {
  msg?: string;
  level?: number;
  sessionId?: string;
  [field: string]: unknown;
}

/** An API replica: the API in-process, its config, and every record it logged. */
export interface ApiReplica {
  api: RunningApi;
  config: ApiConfig;
  /** Writes into `log`. */
  logger: Logger;
  log: ApiLogRecord[];
}

async function startReplica(env: Record<string, string>): Promise<ApiReplica> {
  const config = loadApiConfig({ ...env, LOG_LEVEL: 'info' });
  const log: ApiLogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          log.push(JSON.parse(line) as ApiLogRecord);
        } catch {
          // pino writes one JSON object a line
        }
      }
      done();
    },
  });
  const logger = createLogger(config, sink);
  return { api: await startApi(config, { logger }), config, logger, log };
}

export interface MultiNodeOptions {
  /** Extra environment for both agent workers. @defaultValue {} */
  agentEnv: Record<string, string>;
  /** Extra environment for both API replicas. @defaultValue {} */
  apiEnv: Record<string, string>;
}

export interface MultiNodeStack {
  redis: ClaimedRedisDb;
  /** Node 1 and node 2. */
  nodes: [LivekitNode, LivekitNode];
  /** Replica 1 talks to node 1, replica 2 to node 2. */
  replicas: [ApiReplica, ApiReplica];
  /** Worker 1 is registered with node 1 and reports to replica 1; worker 2 with node 2 and replica 2. */
  workers: [ClusterWorker, ClusterWorker];
  database: TestDatabase;
  /** Replica `i` seen as a one-node Stack (its node, its API, its worker), for the shared helpers. */
  view(i: 0 | 1): Stack;
  /** The index of the node a room lives on (LiveKit's `room_node_map` in Redis), if it is open. */
  nodeOfRoom(room: string): Promise<0 | 1 | undefined>;
  stop(): Promise<void>;
}

/** Starts the cluster; resolves once both workers have registered. Everything started is stopped on failure. */
export async function startMultiNodeStack(opts: Partial<MultiNodeOptions> = {}): Promise<MultiNodeStack> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const redis = await claimRedisDb();
    stoppers.push(() => redis.release());
    const database = await createMigratedTestDatabase('postgres');
    stoppers.push(() => database.drop());
    // Each node posts its webhooks to its own replica, so the replicas' ports are chosen first.
    const ports = [await freeTcpPort(), await freeTcpPort()] as const;
    // One after the other: each node takes its ports before the next looks for free ones.
    const nodes: LivekitNode[] = [];
    for (const port of ports) {
      const node = await startNode(redis.db, `http://127.0.0.1:${port}/api/livekit/webhook`);
      stoppers.push(() => node.stop());
      nodes.push(node);
    }
    // One after the other too: both migrate the same database at start.
    const replicas: ApiReplica[] = [];
    for (const [i, node] of nodes.entries()) {
      const replica = await startReplica({
        PORT: String(ports[i]),
        DATABASE_URL: database.databaseUrl!,
        LIVEKIT_URL: node.url,
        LIVEKIT_API_KEY: node.apiKey,
        LIVEKIT_API_SECRET: node.apiSecret,
        ...opts.apiEnv,
      });
      stoppers.push(() => replica.api.close());
      replicas.push(replica);
    }
    const workerEnv = (i: number): Record<string, string> => ({
      LIVEKIT_URL: nodes[i]!.url,
      LIVEKIT_API_KEY: nodes[i]!.apiKey,
      LIVEKIT_API_SECRET: nodes[i]!.apiSecret,
      API_URL: replicas[i]!.api.url,
      ...opts.agentEnv,
    });
    const workers: ClusterWorker[] = [];
    for (const i of [0, 1]) {
      const worker = watchJobs(await startWorker(workerEnv(i)));
      stoppers.push(() => worker.stop());
      workers.push(worker);
    }
    const pair = <T>(xs: T[]): [T, T] => [xs[0]!, xs[1]!];
    const view = (i: 0 | 1): Stack => ({
      livekit: nodes[i]!,
      get api() {
        return replicas[i]!.api;
      },
      agent: workers[i]!.process,
      agentLog: workers[i]!.log,
      addWorker: async (env) => {
        const worker = await startWorker({ ...workerEnv(i), ...env });
        stoppers.push(() => worker.stop());
        return worker;
      },
      stopApi: () => replicas[i]!.api.close(),
      startApi: async () => {
        const replica = replicas[i]!;
        replica.api = await startApi(replica.config, { logger: replica.logger });
      },
      stop,
      database,
    });
    return {
      redis,
      nodes: pair(nodes),
      replicas: pair(replicas),
      workers: pair(workers),
      database,
      view,
      nodeOfRoom: async (room) => {
        const id = await redis.client.hGet('room_node_map', room);
        const i = nodes.findIndex((n) => n.nodeId === id);
        return i === 0 || i === 1 ? i : undefined;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * `promise`, or a rejection after `ms` naming `what` with the last lines of both workers: every
 * wait in the multi-node test has a deadline that explains itself.
 */
export async function withinCluster<T>(
  cluster: MultiNodeStack,
  promise: Promise<T>,
  what: string,
  ms = 30_000,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const tails = cluster.workers.map((w, i) => `worker ${i + 1}:\n${w.log.slice(-20).join('\n')}`);
      reject(new Error(`no ${what} within ${ms} ms; the workers' last lines:\n${tails.join('\n')}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A job process that started serving a session, as its worker's output said. */
export interface JobStart {
  sessionId: string;
  pid: number;
}

/** A worker of the cluster, with the facts of its jobs kept whole (`log` keeps only its last lines). */
export interface ClusterWorker extends Worker {
  /** Every job process that started a companion, in order. */
  jobs: JobStart[];
  /** What jobs that found another job in their room said as they left. */
  duplicates: string[];
}

/** Lines a job logs when it leaves a room another job already serves (agent/jobs/guard.ts). */
const DUPLICATE_JOB_LINES = ['another job already serves this room', 'another job joined at the same time'];

function watchJobs(worker: Worker): ClusterWorker {
  const watched: ClusterWorker = Object.assign(worker, { jobs: [], duplicates: [] });
  for (const stream of [worker.process.stdout!, worker.process.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      if (DUPLICATE_JOB_LINES.some((d) => line.includes(d))) watched.duplicates.push(line);
      if (!line.includes('companion starting')) return;
      try {
        const r = JSON.parse(line) as { pid?: number; sessionId?: string; msg?: string };
        if (r.sessionId && r.pid && r.msg?.startsWith('companion starting'))
          watched.jobs.push({ sessionId: r.sessionId, pid: r.pid });
      } catch {
        // not a JSON line
      }
    });
  }
  return watched;
}

/** A livekit-server log line's JSON fields (after the tab-separated time, level, logger and caller). */
function fieldsOf(line: string): Record<string, unknown> | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(line.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The records of `msg` a node logged about `participant` in `room`. */
export function nodeRecords(
  node: LivekitNode,
  msg: string,
  room: string,
  participant?: string,
): Record<string, unknown>[] {
  return node.log
    .filter((line) => line.includes(`\t${msg}\t`) && line.includes(room))
    .map(fieldsOf)
    .filter((f): f is Record<string, unknown> => f?.room === room)
    .filter((f) => participant === undefined || f.participant === participant);
}

/**
 * Every participant whose RTC session a node of the cluster started in `room` (only the node
 * hosting the room starts them, whichever node the participant signalled to).
 */
export function participantsStarted(cluster: MultiNodeStack, room: string): string[] {
  return cluster.nodes.flatMap((n) =>
    nodeRecords(n, 'starting RTC session', room).map((f) => String(f.participant)),
  );
}

/** The local ICE candidate a node selected for a participant (`udp4 host 127.0.0.1:PORT`), from its `participant active` line. */
export function selectedCandidate(
  node: LivekitNode,
  room: string,
  participant: string,
): { protocol: string; port: number } | undefined {
  const [active] = nodeRecords(node, 'participant active', room, participant);
  const candidates = [active?.publisherCandidates, active?.subscriberCandidates].flat();
  for (const c of candidates) {
    const m =
      typeof c === 'string' ? /^\[local\]\[selected[^\]]*\].*?(udp|tcp)\d? host \S+:(\d+)/.exec(c) : null;
    if (m) return { protocol: m[1]!, port: Number(m[2]) };
  }
  return undefined;
}
