import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Broadcast, SessionDetail, StartBroadcastResponse } from '../protocol/index.ts';
import { signUp, type SignedUp } from './support/auth.ts';
import { type Ngircd, type RawIrc, startNgircd } from './support/ngircd.ts';
import { type RtmpIngest, audioLevels, probe, startRtmpIngest } from './support/rtmp-ingest.ts';
import { type Stack, eventually, startStack } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// A broadcast end to end on loopback: the API starts it, the agent's group job streams the room
// through the built-in output to a real RTMP ingest (nginx-rtmp) while Twitch chat comes from a
// real IRC server (ngircd, behind the WebSocket gateway tmi.js needs). A chatter naming a character
// gets a spoken answer, stored as a chat turn; the stream key never reaches a log.

const CHANNEL = '#troupeshow';
const STREAM_KEY = `test-stream-key-${randomUUID()}`;

let stack: Stack;
let ingest: RtmpIngest;
let irc: Ngircd;
let chatter: RawIrc;
let owner: SignedUp;
let broadcast: Broadcast;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.api.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...owner.headers, ...(init.headers ?? {}) },
  });
const current = async () => Broadcast.parse(await (await api(`/api/broadcasts/${broadcast.id}`)).json());
const session = async () =>
  SessionDetail.parse(await (await api(`/api/sessions/${broadcast.sessionId}`)).json());

beforeAll(async () => {
  ingest = await startRtmpIngest();
  irc = await startNgircd();
  stack = await startStack({
    agentEnv: {
      TWITCH_IRC_HOST: '127.0.0.1',
      TWITCH_IRC_PORT: String(irc.wsPort),
      TWITCH_IRC_SECURE: 'false',
    },
  });
  owner = await signUp(stack.api.url);
  chatter = await irc.client('viewer42');
  await chatter.join(CHANNEL);
});

// A failure shows what the agent was doing.
beforeEach(() => {
  onTestFailed(() => {
    console.error(`the agent's last lines:\n${stack.agentLog.slice(-40).join('\n')}`);
  });
});

afterAll(() => teardown(stack, irc, ingest));

describe('a broadcast with the built-in output', () => {
  it('when it is started, then the ingest receives the stream and the broadcast is live', async () => {
    const res = await api('/api/broadcasts', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Loopback show',
        characterIds: ['walt', 'june'],
        twitch: { channel: CHANNEL.slice(1), streamKey: STREAM_KEY, ingestUrl: ingest.url },
        destinations: [],
        autonomous: { enabled: false },
        output: 'builtin',
        video: { width: 640, height: 360, fps: 15 },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    broadcast = Broadcast.parse(await res.json());
    const started = await api(`/api/broadcasts/${broadcast.id}/start`, { method: 'POST', body: '{}' });
    expect(started.status, await started.clone().text()).toBe(200);
    broadcast = StartBroadcastResponse.parse(await started.json()).broadcast;
    const live = await eventually(current, (b) => b.status === 'live' || b.status === 'failed', {
      what: 'the broadcast going live',
      timeoutMs: 60_000,
    });
    expect(live.status, live.lastError ?? '').toBe('live');
    expect(ingest.recordings()).toHaveLength(1);
  });

  it('when a chatter names a character, then that character answers aloud and the chat turn is stored', async () => {
    await eventually(
      async () => irc.passes.length,
      (n) => n > 0,
      { what: 'the job joining chat' },
    );
    // tmi.js joins the channel after logging in; a line sent before that would be missed.
    await chatter.waitFor(
      (l) => / JOIN /u.test(l) && !l.startsWith(':viewer42!'),
      'the job joining the channel',
      30_000,
    );
    chatter.say(CHANNEL, 'June, what do you like to do?');
    const detail = await eventually(
      session,
      (s) => s.transcript.some((t) => t.source === 'chat') && s.transcript.some((t) => t.speaker === 'june'),
      { what: "the chat turn and June's answer", timeoutMs: 60_000 },
    );
    const chatTurn = detail.transcript.find((t) => t.source === 'chat')!;
    expect(chatTurn).toMatchObject({ role: 'user', speaker: 'chat:viewer42', speakerName: 'viewer42' });
    expect(chatTurn.text).toContain('what do you like to do');
    const answer = detail.transcript.find((t) => t.speaker === 'june')!;
    expect(answer.heardText.length).toBeGreaterThan(0);
  });

  it('when it is stopped, then it ends, and the recording holds H.264 video and the answer in AAC audio', async () => {
    const stopped = await api(`/api/broadcasts/${broadcast.id}/stop`, { method: 'POST', body: '{}' });
    expect(stopped.status, await stopped.clone().text()).toBe(200);
    await eventually(current, (b) => b.status === 'ended', {
      what: 'the broadcast ending',
      timeoutMs: 30_000,
    });
    const [recording] = ingest.recordings();
    // The ingest closes the recording when the publisher goes; probe it once ffmpeg has left.
    const streams = await eventually(
      async () => probe(recording!).catch(() => []),
      (s) => s.length === 2,
      { what: 'a complete recording' },
    );
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      width: 640,
      height: 360,
    });
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const levels = await audioLevels(recording!);
    expect(levels.filter((l) => l > 0.02).length, 'windows of audible speech').toBeGreaterThanOrEqual(5);
    expect(stack.agentLog.join('\n')).not.toContain(STREAM_KEY);
  });
});
