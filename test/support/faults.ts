// Shared by the fault suite (test/faults/) and `npm run bench:faults`: calls started for real,
// processes killed for real, and the times a person would feel.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ParticipantKind, type RemoteParticipant, RoomEvent } from '@livekit/rtc-node';
import { type CreateSessionResponse, type SessionDetail, isJobIdentity } from '../../protocol/index.ts';
import { killOnExit, stopChild } from '../../scripts/livekit-server.ts';
import type { SignedUp } from './auth.ts';
import { TestCaller } from './rtc.ts';
import { createCallSession, sessionDetail } from './sessions.ts';
import type { Stack } from './stack.ts';

/** Built-in companions (db/seed/companions.ts), one per call when several start at once. */
export const SEEDED_COMPANIONS = [
  'marigold',
  'walt',
  'percy',
  'barnaby',
  'theo',
  'irina',
  'june',
  'desmond',
  'agatha',
  'milo',
  'ruth',
  'sol',
];

/** One busy loop per core (or `n`), as a build or a browser on the same machine would be. */
export function cpuBurners(n: number): { stop(): Promise<void> } {
  const burners: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    killOnExit(burner);
    burners.push(burner);
  }
  return { stop: async () => void (await Promise.all(burners.map((b) => stopChild(b, 2000)))) };
}

/** A call as a person makes it: the session created, the caller in the room, the character's arrival timed. */
export interface TimedCall {
  created: CreateSessionResponse;
  caller: TestCaller;
  /** When `POST /api/sessions` answered (epoch ms). */
  createdAt: number;
  /** Resolves with the epoch ms at which the character's first audible frame reached the caller. */
  firstHeard: Promise<number>;
}

export async function startCall(stack: Stack, owner: SignedUp, characterId: string): Promise<TimedCall> {
  const created = await createCallSession(stack.api.url, owner, characterId, 'Fault Tester');
  const createdAt = Date.now();
  const caller = new TestCaller();
  // Resolves once the character's track is subscribed; its first audible frame is what counts.
  void caller.join(created.url, created.token).catch(() => {});
  return {
    created,
    caller,
    createdAt,
    firstHeard: caller.heard.firstSpeechAfter(createdAt).then((f) => f.at),
  };
}

/** The session as its owner sees it. */
export async function sessionOf(stack: Stack, owner: SignedUp, id: string): Promise<SessionDetail> {
  return sessionDetail(stack.api.url, owner, id);
}

/** The agent jobs' own participants the caller sees in its room (not characters, not people). */
export function jobsInRoom(caller: TestCaller): RemoteParticipant[] {
  return [...caller.room.remoteParticipants.values()].filter(
    (p) => p.kind === ParticipantKind.AGENT && isJobIdentity(p.identity),
  );
}

/** Resolves when a job participant other than `previous` joins the caller's room. */
export function nextJobJoins(caller: TestCaller, previous: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const job = jobsInRoom(caller).find((p) => p.identity !== previous);
      if (!job) return;
      caller.room.off(RoomEvent.ParticipantConnected, check);
      resolve(job.identity);
    };
    caller.room.on(RoomEvent.ParticipantConnected, check);
    check();
  });
}

/**
 * The pid of the job process serving `sessionId`, from the worker's log: every line a job process
 * writes carries its pid (pino's default) and the job's lines name their session.
 */
export function jobPidOf(log: readonly string[], sessionId: string): number | undefined {
  for (const line of log) {
    if (!line.includes(sessionId) || !line.startsWith('{')) continue;
    try {
      const record = JSON.parse(line) as { pid?: number; sessionId?: string; msg?: string };
      if (record.sessionId === sessionId && record.pid && record.msg?.startsWith('companion starting'))
        return record.pid;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/** p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The parent of process `pid` (from /proc), or undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
