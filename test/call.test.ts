import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomServiceClient } from 'livekit-server-sdk';
import postgres from 'postgres';
import { SessionDetail, type CreateSessionResponse } from '../protocol/index.ts';
import { speak } from './support/audio.ts';
import { signUp, type SignedUp } from './support/auth.ts';
import { TestCaller } from './support/rtc.ts';
import { createCallSession, sessionDetail } from './support/sessions.ts';
import { type Stack, eventually, startStack } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// A 1:1 call end to end on loopback: real livekit-server, API on Postgres, agent worker with the
// offline providers, and a caller made of @livekit/rtc-node.

/** Upper bound for "the companion answers": offline STT + brain + espeak on a loaded 2-core box. */
const ANSWER_BOUND_MS = 15_000;

/** Asks for a story: the offline brain's longest kind of reply. */
const LONG_QUESTION = 'tell me a long story about your garden';

let stack: Stack;
let caller: TestCaller;
let created: CreateSessionResponse;
let owner: SignedUp;

const session = (): Promise<SessionDetail> => sessionDetail(stack.api.url, owner, created.sessionId);

beforeAll(async () => {
  stack = await startStack({
    agentEnv: {
      AEC_WARMUP_MS: '500',
      INTERRUPTION_MIN_DURATION_MS: '300',
      // Recognised exactly, so the reply to talk over is a story (≈ 10 s of speech), long enough
      // that a loaded machine's slower barge-in still cuts it short.
      OFFLINE_STT_PHRASES: LONG_QUESTION,
    },
  });
  owner = await signUp(stack.api.url);
});

afterAll(() => teardown(caller, stack));

describe('a one-to-one call', () => {
  it('when a caller starts a call, then the companion joins and greets in audio', async () => {
    created = await createCallSession(stack.api.url, owner, 'marigold', 'Test Caller');
    caller = new TestCaller();
    await caller.join(created.url, created.token);
    expect(caller.agent?.attributes['troupe.offline']).toBe('true');
    await caller.heard.firstSpeechAfter(0);
    await caller.agentState('listening');
  });

  it('when the caller asks a question, then the answer is heard within the bound', async () => {
    const endOfSpeech = await caller.say(await speak('hello there what do you like to do'));
    const answer = await Promise.race([
      caller.heard.firstSpeechAfter(endOfSpeech),
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new Error(`no answer within ${ANSWER_BOUND_MS} ms\n${stack.agentLog.slice(-30).join('\n')}`),
            ),
          ANSWER_BOUND_MS,
        ),
      ),
    ]);
    expect(answer.at - endOfSpeech).toBeGreaterThan(0);
    await caller.agentState('listening');
  });

  it('when the call has had a turn, then both roles are stored with their metrics', async () => {
    const detail = await eventually(session, (s) => s.transcript.length >= 3, { what: 'three stored turns' });
    expect(detail.status).toBe('active');
    expect(detail.providers?.offline).toBe(true);
    const [greeting, user, reply] = detail.transcript;
    expect(greeting).toMatchObject({ role: 'assistant', speaker: 'marigold', interrupted: false });
    expect(user).toMatchObject({ role: 'user', speaker: created.identity, speakerName: 'Test Caller' });
    expect(user!.text.length).toBeGreaterThan(0);
    expect(user!.metrics.eouDelayMs).not.toBeNull();
    expect(reply!.role).toBe('assistant');
    expect(reply!.metrics.voiceToVoiceMs).toBeGreaterThan(0);
    expect(reply!.metrics.llmTtftMs).not.toBeNull();
    expect(reply!.metrics.ttsTtfbMs).not.toBeNull();

    const sql = postgres(stack.database!.databaseUrl!, { max: 1 });
    const rows =
      await sql`select role, voice_to_voice_ms from messages where session_id = ${created.sessionId}`;
    await sql.end();
    expect(rows.map((r) => r.role)).toEqual(expect.arrayContaining(['user', 'assistant']));
  });

  it('when the caller talks over the reply, then its audio stops and only the heard part is kept', async () => {
    const before = (await session()).transcript.length;
    await caller.say(await speak(LONG_QUESTION));
    await caller.agentState('speaking');
    const replyStarted = await caller.heard.firstSpeechAfter(Date.now());
    await caller.heard.waitFor((f) => f.at > replyStarted.at + 1200);
    const onset = Date.now();
    await caller.say(await speak('sorry to interrupt but wait a moment please'));
    const detail = await eventually(
      session,
      (s) => s.transcript.slice(before).some((t) => t.role === 'assistant' && t.interrupted),
      { what: 'an interrupted reply' },
    );
    const cut = detail.transcript.slice(before).find((t) => t.interrupted)!;
    expect(cut.heardText.length).toBeGreaterThan(0);
    expect(cut.heardText.length).toBeLessThan(cut.text.length);
    expect(cut.text.startsWith(cut.heardText)).toBe(true);
    // The character went quiet soon after the caller started: the first half-second of silence
    // after the onset begins within interruption threshold + detection + transport slack.
    const after = caller.heard.frames.filter((f) => f.at >= onset);
    const quietFrom = after.find((f, i) => after.slice(i).every((g) => g.at > f.at + 500 || g.level <= 0.01));
    expect(quietFrom).toBeDefined();
    expect(quietFrom!.at - onset).toBeLessThan(2000);
  });

  it('when the session is ended, then the room closes and the duration is recorded', async () => {
    const disconnected = new Promise<void>((resolve) => caller.room.once('disconnected', () => resolve()));
    const res = await fetch(`${stack.api.url}/api/sessions/${created.sessionId}/end`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(res.status).toBe(200);
    const ended = SessionDetail.parse(await res.json());
    expect(ended.status).toBe('ended');
    expect(ended.durationMs).toBeGreaterThan(1000);
    await disconnected;
    const rooms = await new RoomServiceClient(
      stack.livekit.url.replace('ws', 'http'),
      stack.livekit.apiKey,
      stack.livekit.apiSecret,
    ).listRooms();
    expect(rooms.map((r) => r.name)).not.toContain(created.roomName);
  });
});
