import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { dispose } from '@livekit/rtc-node';
import {
  Broadcast,
  CreateSessionResponse,
  SessionDetail,
  ShowCommand,
  StartBroadcastResponse,
  characterIdentity,
} from '../protocol/index.ts';
import { SPEECH_RMS, speak } from './support/audio.ts';
import { signUp, type SignedUp } from './support/auth.ts';
import { GroupParticipant } from './support/group-rtc.ts';
import { type RtmpIngest, startRtmpIngest } from './support/rtmp-ingest.ts';
import { type Stack, eventually, startStack, within } from './support/stack.ts';

// The show-control API end to end on loopback: the API sends each command to the broadcast's job
// as a server packet, the job's one command path speaks it on the character's own track (heard
// here by the host, an rtc-node participant) and reports the outcome, which the request waits for.

let stack: Stack;
let ingest: RtmpIngest;
let owner: SignedUp;
let broadcast: Broadcast;
let host: GroupParticipant;
let sessionHost: GroupParticipant | undefined;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.api.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...owner.headers, ...(init.headers ?? {}) },
  });
const control = async (body: Record<string, unknown>) => {
  const res = await api(`/api/broadcasts/${broadcast.id}/control`, {
    method: 'POST',
    body: JSON.stringify({ waitMs: 45_000, ...body }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ShowCommand.parse(await res.json());
};
const transcript = async () =>
  SessionDetail.parse(await (await api(`/api/sessions/${broadcast.sessionId}`)).json()).transcript;
/** Speech frames heard on any character's track from `since` (epoch ms) on. */
const loudSince = (since: number) =>
  [...host.heard.values()].flatMap((log) => log.frames.filter((f) => f.at >= since && f.level > SPEECH_RMS));

beforeAll(async () => {
  ingest = await startRtmpIngest();
  // Chat goes nowhere: a closed port on loopback, so the job never reaches out to Twitch.
  stack = await startStack({
    agentEnv: { TWITCH_IRC_HOST: '127.0.0.1', TWITCH_IRC_PORT: '9', TWITCH_IRC_SECURE: 'false' },
  });
  owner = await signUp(stack.api.url);
});

// A failure shows what the agent was doing.
beforeEach(() => {
  onTestFailed(() => {
    console.error(`the agent's last lines:\n${stack.agentLog.slice(-40).join('\n')}`);
  });
});

afterAll(async () => {
  await host?.leave().catch(() => {});
  await sessionHost?.leave().catch(() => {});
  await stack?.stop();
  await ingest?.stop();
  await dispose();
});

describe('show control of a running broadcast', () => {
  it('when a say is sent, then it is heard on that character’s track and stored as a turn from the API', async () => {
    const res = await api('/api/broadcasts', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Show control',
        characterIds: ['walt', 'june'],
        twitch: {
          channel: 'troupeshow',
          streamKey: `test-stream-key-${randomUUID()}`,
          ingestUrl: ingest.url,
        },
        autonomous: { enabled: false },
        output: 'builtin',
        video: { width: 320, height: 240, fps: 10 },
      }),
    });
    broadcast = Broadcast.parse(await res.json());
    const started = await api(`/api/broadcasts/${broadcast.id}/start`, { method: 'POST', body: '{}' });
    const { broadcast: b, host: access } = StartBroadcastResponse.parse(await started.json());
    broadcast = b;
    host = new GroupParticipant();
    await host.join(access.url, access.token);
    await within(
      stack,
      eventually(
        async () => ['walt', 'june'].every((id) => host.room.remoteParticipants.has(characterIdentity(id))),
        Boolean,
        {
          what: 'both characters in the room',
          timeoutMs: 60_000,
        },
      ),
      'cast',
      60_000,
    );

    const sentAt = Date.now();
    const said = await control({
      type: 'say',
      characterId: 'june',
      text: 'Hello everyone, welcome to the show.',
    });
    expect(said).toMatchObject({
      type: 'say',
      outcome: 'spoken',
      text: 'Hello everyone, welcome to the show.',
    });
    const june = host
      .logOf(characterIdentity('june'))
      .frames.filter((f) => f.at >= sentAt && f.level > SPEECH_RMS);
    expect(june.length, "frames of June's voice").toBeGreaterThan(20);
    const turns = await eventually(transcript, (t) => t.some((x) => x.source === 'api'), {
      what: 'the line stored',
    });
    expect(turns.find((t) => t.source === 'api')).toMatchObject({
      role: 'assistant',
      speaker: 'june',
      text: 'Hello everyone, welcome to the show.',
      interrupted: false,
    });
  });

  it('when a prompt is sent with speak false, then its answer comes back as text and nothing plays', async () => {
    const before = (await transcript()).length;
    const sentAt = Date.now();
    const answered = await control({
      type: 'prompt',
      characterId: 'walt',
      prompt: 'What do you make of the weather?',
      speak: false,
    });
    expect(answered).toMatchObject({ type: 'prompt', outcome: 'done' });
    expect(answered.text?.length ?? 0).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(loudSince(sentAt)).toEqual([]);
    expect((await transcript()).length).toBe(before);
  });

  it('when a say comes while a person is talking, then it waits until they stop', async () => {
    const speech = await speak(
      'sorry to interrupt but wait a moment please, I have one more thing to say about the weather',
    );
    const spoken = host.say(speech);
    await within(
      stack,
      host.floorMessage((m) => m.state === 'human'),
      'the host taking the floor',
      10_000,
    );
    const sentAt = Date.now();
    const line = control({
      type: 'say',
      characterId: 'walt',
      text: 'Now it is my turn to speak.',
      when: 'now',
    });
    const stoppedAt = await spoken;
    const said = await line;
    expect(said).toMatchObject({ outcome: 'spoken', text: 'Now it is my turn to speak.' });
    const walt = host
      .logOf(characterIdentity('walt'))
      .frames.filter((f) => f.at >= sentAt && f.level > SPEECH_RMS);
    expect(walt.length, "frames of Walt's voice").toBeGreaterThan(20);
    expect(walt[0]!.at, 'Walt starts after the host stopped').toBeGreaterThan(stoppedAt);
  });
});

describe('show control of a group session', () => {
  it('when a say is sent to a running group session, then it is heard on that character’s track and stored as a turn from the API', async () => {
    const res = await api('/api/sessions', {
      method: 'POST',
      body: JSON.stringify({ mode: 'group', characterIds: ['walt', 'june'], displayName: 'Host' }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = CreateSessionResponse.parse(await res.json());
    sessionHost = new GroupParticipant();
    await sessionHost.join(created.url, created.token);
    const joined = sessionHost;
    await within(
      stack,
      eventually(
        async () => ['walt', 'june'].every((id) => joined.room.remoteParticipants.has(characterIdentity(id))),
        Boolean,
        { what: 'both characters in the room', timeoutMs: 60_000 },
      ),
      'cast',
      60_000,
    );

    const sentAt = Date.now();
    const sent = await api(`/api/sessions/${created.sessionId}/control`, {
      method: 'POST',
      body: JSON.stringify({ type: 'say', characterId: 'june', text: 'Hello both of you.', waitMs: 45_000 }),
    });
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(ShowCommand.parse(await sent.json())).toMatchObject({
      sessionId: created.sessionId,
      broadcastId: null,
      outcome: 'spoken',
      text: 'Hello both of you.',
    });
    const june = joined
      .logOf(characterIdentity('june'))
      .frames.filter((f) => f.at >= sentAt && f.level > SPEECH_RMS);
    expect(june.length, "frames of June's voice").toBeGreaterThan(20);
    const turns = await eventually(
      async () =>
        SessionDetail.parse(await (await api(`/api/sessions/${created.sessionId}`)).json()).transcript,
      (t) => t.some((x) => x.source === 'api'),
      { what: 'the line stored' },
    );
    expect(turns.find((t) => t.source === 'api')).toMatchObject({
      role: 'assistant',
      speaker: 'june',
      text: 'Hello both of you.',
    });
  });
});
