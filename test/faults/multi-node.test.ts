import { dispose } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJobIdentity } from '../../protocol/index.ts';
import { speak } from '../support/audio.ts';
import { signUp, type SignedUp } from '../support/auth.ts';
import {
  type TimedCall,
  jobsInRoom,
  nextJobJoins,
  parentPid,
  sessionOf,
  startCall,
} from '../support/faults.ts';
import {
  type ApiLogRecord,
  type MultiNodeStack,
  nodeRecords,
  participantsStarted,
  selectedCandidate,
  startMultiNodeStack,
  withinCluster,
} from '../support/multi-node.ts';
import { TestCaller } from '../support/rtc.ts';
import { eventually } from '../support/stack.ts';

// Guards against scale-out that only worked on one livekit-server: on LiveKit's own multi-node (two
// nodes on one Redis), with a worker on each node and two API replicas on one Postgres, a call must
// get its character whichever replica and node it goes through, a caller on the node that does not
// host the room must still hear it, a worker killed outright must lose no call, and the two
// replicas' supervisors must never dispatch one session twice in one round.

const QUESTION = 'what do you like to do on weekends';
const COMPANIONS = ['marigold', 'walt', 'percy', 'barnaby'];
/** Generous: the machine is shared; the figures printed at the end are what the times were. */
const HEAR_BOUND_MS = 90_000;
const RECOVERY_BOUND_MS = 60_000;
const DISPATCHED_AGAIN = 'agent not in its room; dispatched again';
const AGENT_LOST = 'agent lost; taking the call up again';

/** A call and the replica (and so the node) the caller went through. */
interface PlacedCall extends TimedCall {
  via: 0 | 1;
}

let cluster: MultiNodeStack;
let owner: SignedUp;
const calls: PlacedCall[] = [];
/** How many times each session lost its job to a kill (its worker's or its own). */
const losses = new Map<string, number>();
const lose = (sessionId: string) => losses.set(sessionId, (losses.get(sessionId) ?? 0) + 1);
const listeners: TestCaller[] = [];
/** What was seen, printed at the end (times in ms). */
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  const agentEnv = { OFFLINE_STT_PHRASES: QUESTION, AEC_WARMUP_MS: '500' };
  cluster = await startMultiNodeStack({ agentEnv });
  // Signed up through replica 1, used through both: the replicas share the database and the key.
  owner = await signUp(cluster.replicas[0].api.url);
}, 180_000);

afterAll(async () => {
  for (const c of [...calls.map((call) => call.caller), ...listeners]) await c.leave().catch(() => {});
  await cluster?.stop();
  await dispose();
  console.log(`multi-node figures: ${JSON.stringify(figures, null, 2)}`);
});

/** The worker (0 or 1) whose job process serves the session now: its latest job there that is alive. */
function hostOf(sessionId: string): { worker: 0 | 1; pid: number } | undefined {
  for (const i of [0, 1] as const) {
    const w = cluster.workers[i];
    const job = w.jobs.findLast((j) => j.sessionId === sessionId);
    if (job && parentPid(job.pid) === w.process.pid) return { worker: i, pid: job.pid };
  }
  return undefined;
}

/** The job processes that ever served the session, on both workers. */
const jobsOf = (sessionId: string) =>
  cluster.workers.flatMap((w) => w.jobs.filter((j) => j.sessionId === sessionId));

/** Asks the question on `call` and resolves once the answer is heard. */
async function ask(call: PlacedCall): Promise<void> {
  const end = await call.caller.say(await speak(QUESTION));
  await withinCluster(cluster, call.caller.heard.firstSpeechAfter(end), 'the answer', HEAR_BOUND_MS);
  await withinCluster(cluster, call.caller.agentState('listening'), 'listening again', HEAR_BOUND_MS);
}

describe('scale-out on LiveKit multi-node', () => {
  it('when calls are made alternately through two API replicas and nodes, then every caller hears its character and the jobs run on both workers', async () => {
    const greetingMs: number[] = [];
    // One after another: each worker reports its load every 2.5 s, and livekit-server offers a job
    // to the least loaded worker of the whole cluster.
    for (const [i, characterId] of COMPANIONS.entries()) {
      const via = (i % 2) as 0 | 1;
      const call: PlacedCall = { ...(await startCall(cluster.view(via), owner, characterId)), via };
      calls.push(call);
      // The replica hands out its own node: the caller joins node 1 or node 2.
      expect(call.created.url).toBe(cluster.nodes[via].url);
      const heardAt = await withinCluster(
        cluster,
        call.firstHeard,
        `${characterId}'s greeting`,
        HEAR_BOUND_MS,
      );
      await withinCluster(
        cluster,
        call.caller.agentState('listening'),
        `${characterId} listening`,
        HEAR_BOUND_MS,
      );
      greetingMs.push(heardAt - call.createdAt);
    }
    figures.greetingMs = greetingMs;

    const hosts = calls.map((c) => hostOf(c.created.sessionId));
    expect(
      hosts.every((h) => h !== undefined),
      'each call served by a job of one of the two workers',
    ).toBe(true);
    figures.workerOfCall = hosts.map((h) => h!.worker + 1);
    for (const i of [0, 1] as const) {
      // Each worker's own log shows jobs it ran.
      const started = cluster.workers[i].jobs.filter((j) =>
        calls.some((c) => c.created.sessionId === j.sessionId),
      );
      expect(started.length, `jobs in worker ${i + 1}'s output`).toBeGreaterThan(0);
    }
    expect(new Set(hosts.map((h) => h!.worker)).size).toBe(2);
    for (const call of calls) expect(jobsInRoom(call.caller)).toHaveLength(1);
  });

  it('when a room lives on one node, then a caller who joins through the other node hears its character', async () => {
    const placement = await Promise.all(calls.map((c) => cluster.nodeOfRoom(c.created.roomName)));
    expect(
      placement.every((n) => n !== undefined),
      'every room placed on one of the two nodes',
    ).toBe(true);
    figures.nodeOfRoom = placement.map((n) => n! + 1);
    figures.callerNode = calls.map((c) => c.via + 1);
    figures.callersOnTheOtherNode = calls.filter((c, i) => c.via !== placement[i]).length;

    // Whatever placement LiveKit chose, a listener goes through the node that does not host the room.
    const call = calls[0]!;
    const home = placement[0]!;
    const away = (1 - home) as 0 | 1;
    const node = cluster.nodes[away];
    const token = new AccessToken(node.apiKey, node.apiSecret, {
      identity: 'listener-away',
      name: 'Listener',
    });
    token.addGrant({ roomJoin: true, room: call.created.roomName, canPublish: true, canSubscribe: true });
    const listener = new TestCaller();
    listeners.push(listener);
    await withinCluster(
      cluster,
      listener.join(node.url, await token.toJwt()),
      'the character subscribed through the other node',
      HEAR_BOUND_MS,
    );

    const end = await call.caller.say(await speak(QUESTION));
    const [toListener, toCaller] = await withinCluster(
      cluster,
      Promise.all([listener.heard.firstSpeechAfter(end), call.caller.heard.firstSpeechAfter(end)]),
      'the answer on both nodes',
      HEAR_BOUND_MS,
    );
    await withinCluster(cluster, call.caller.agentState('listening'), 'listening again', HEAR_BOUND_MS);
    figures.answerHeardMs = { onRoomNode: toCaller.at - end, throughOtherNode: toListener.at - end };
    // The room stayed where it was. The other node only relayed the listener's signalling: the
    // room's node started its RTC session, and the listener's media flows to the room node's own
    // ICE port.
    const room = call.created.roomName;
    expect(await cluster.nodeOfRoom(room)).toBe(home);
    expect(nodeRecords(cluster.nodes[home], 'starting RTC session', room, 'listener-away')).toHaveLength(1);
    expect(nodeRecords(cluster.nodes[away], 'starting RTC session', room, 'listener-away')).toHaveLength(0);
    const media = selectedCandidate(cluster.nodes[home], room, 'listener-away');
    const { rtcPorts } = cluster.nodes[home];
    expect(media, "the room node's selected ICE candidate for the listener").toBeDefined();
    expect(media!.port).toBe(media!.protocol === 'udp' ? rtcPorts.udp : rtcPorts.tcp);
    figures.listenerMedia = {
      signalledTo: `node ${away + 1}`,
      media: `${media!.protocol} port ${media!.port} of node ${home + 1}`,
    };
    await listener.leave();
  });

  it('when a worker is killed mid-call, then its calls move to the other worker and the callers hear their characters again', async () => {
    // Worker 1, which reports to replica 1; the survivor, worker 2, reports to replica 2.
    const victim = 0;
    const survivor = 1;
    const movedCalls = calls.filter((c) => hostOf(c.created.sessionId)?.worker === victim);
    for (const c of movedCalls) lose(c.created.sessionId);
    const stayed = calls.filter((c) => !movedCalls.includes(c));
    const before = new Map(calls.map((c) => [c, jobsInRoom(c.caller).map((p) => p.identity)[0]]));
    const killedAt = Date.now();
    cluster.workers[victim].process.kill('SIGKILL');

    const recovery = await Promise.all(
      movedCalls.map(async (call) => {
        const id = call.created.character.id;
        await withinCluster(
          cluster,
          nextJobJoins(call.caller, before.get(call)),
          `a new job for ${id}`,
          RECOVERY_BOUND_MS,
        );
        const joinedAt = Date.now();
        // Heard from the new job: a character that was speaking when its worker died may still be
        // heard for a moment, so only what arrives after the new job joined counts.
        const heard = await withinCluster(
          cluster,
          call.caller.heard.firstSpeechAfter(joinedAt),
          `${id} again`,
          RECOVERY_BOUND_MS,
        );
        await withinCluster(cluster, call.caller.agentState('listening'), `${id} listening`, HEAR_BOUND_MS);
        return { character: id, newJobInRoomMs: joinedAt - killedAt, heardAgainMs: heard.at - killedAt };
      }),
    );
    figures.killedWorker = victim + 1;
    figures.recovery = recovery;
    expect(movedCalls.length).toBeGreaterThan(0);

    for (const call of movedCalls) {
      // Served by the survivor's job now, confirmed by the API (asked through the other replica too).
      expect(hostOf(call.created.sessionId)?.worker).toBe(survivor);
      for (const view of [0, 1] as const) {
        await eventually(
          () => sessionOf(cluster.view(view), owner, call.created.sessionId),
          (d) => d.agent?.state === 'joined',
          { what: `${call.created.character.id}'s agent back, through replica ${view + 1}`, everyMs: 500 },
        );
      }
      await eventually(
        async () => jobsInRoom(call.caller).map((p) => p.identity),
        (ids) => ids.length === 1 && ids[0] !== before.get(call),
        { what: `only the new job in ${call.created.roomName}`, timeoutMs: 20_000 },
      );
    }
    // The calls on the surviving worker never noticed.
    for (const call of stayed) {
      expect(jobsInRoom(call.caller).map((p) => p.identity)).toEqual([before.get(call)]);
    }
    // The conversation goes on with the job that took it up.
    await ask(movedCalls[0]!);
  });

  it('when both replicas supervise one database, then each round is made by one replica, either carries on alone, and each room ends with one job', async () => {
    // Replica 1 stops; a job process of worker 2 (which reports to replica 2) is killed: only
    // replica 2's supervisor is left to take that call up.
    await cluster.view(0).stopApi();
    const call = calls.find((c) => hostOf(c.created.sessionId)?.worker === 1)!;
    const { pid } = hostOf(call.created.sessionId)!;
    const [before] = jobsInRoom(call.caller).map((p) => p.identity);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    lose(call.created.sessionId);
    await withinCluster(cluster, nextJobJoins(call.caller, before), 'a new job', RECOVERY_BOUND_MS);
    const joinedAt = Date.now();
    const heard = await withinCluster(
      cluster,
      call.caller.heard.firstSpeechAfter(joinedAt),
      `${call.created.character.id} again`,
      RECOVERY_BOUND_MS,
    );
    await withinCluster(cluster, call.caller.agentState('listening'), 'listening again', HEAR_BOUND_MS);
    await eventually(
      () => sessionOf(cluster.view(1), owner, call.created.sessionId),
      (d) => d.agent?.state === 'joined',
      { what: 'the agent back, through replica 2', everyMs: 500 },
    );
    figures.replica1Stopped = {
      character: call.created.character.id,
      newJobInRoomMs: joinedAt - killedAt,
      heardAgainMs: heard.at - killedAt,
    };

    /** The records of `msg` both replicas logged, with the replica (1 or 2) and the call's character. */
    const logged = (msg: string) =>
      cluster.replicas.flatMap((r, i) =>
        r.log
          .filter((rec) => rec.msg === msg)
          .map((rec: ApiLogRecord) => ({
            replica: i + 1,
            sessionId: rec.sessionId,
            character: calls.find((c) => c.created.sessionId === rec.sessionId)?.created.character.id,
            attempt: rec.attempt,
            resume: rec.resume,
            time: Number(rec.time),
          })),
      );
    const dispatches = logged(DISPATCHED_AGAIN);
    const lost = logged(AGENT_LOST);
    figures.lossReportedTo = lost.map((l) => `${l.character}: replica ${l.replica}`);
    figures.dispatchedBy = dispatches.map(({ replica, character, attempt }) => ({
      replica,
      character,
      attempt,
    }));
    expect(
      dispatches.some((d) => d.replica === 2 && d.sessionId === call.created.sessionId),
      'replica 2 took the call up alone',
    ).toBe(true);

    // A round is one attempt of one wait of one session (the attempts count again from 1 after each
    // loss): whichever replica claimed it made it, and no other.
    const rounds = dispatches.map((d) => {
      const wait = lost.filter((l) => l.sessionId === d.sessionId && l.time <= d.time).length;
      return `${d.sessionId} wait ${wait} attempt ${String(d.attempt)}`;
    });
    expect(new Set(rounds).size, 'each round dispatched by one replica').toBe(rounds.length);

    const jobsPerCall: Record<string, { rounds: number; jobsJoined: number }> = {};
    for (const c of calls) {
      const id = c.created.sessionId;
      await eventually(
        async () => jobsInRoom(c.caller).length,
        (n) => n === 1,
        { what: `one job in ${c.created.roomName}` },
      );
      // The token's dispatch, then one per supervisor round; each round brings one job at most,
      // counted where LiveKit itself starts every participant's session: on the room's node.
      const sessionRounds = 1 + dispatches.filter((d) => d.sessionId === id).length;
      const joined = new Set(participantsStarted(cluster, c.created.roomName).filter(isJobIdentity));
      jobsPerCall[c.created.character.id] = { rounds: sessionRounds, jobsJoined: joined.size };
      expect(joined.size).toBeLessThanOrEqual(sessionRounds);
      // One job, and one more for each it lost: every loss was taken up, and by one job only.
      expect(joined.size).toBe(1 + (losses.get(id) ?? 0));
      expect(jobsOf(id)).toHaveLength(joined.size);
    }
    figures.jobsPerCall = jobsPerCall;
    figures.duplicateJobsThatLeft = cluster.workers.flatMap((w) => w.duplicates).length;
  });
});
