import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import postgres from 'postgres';
import { CreatedInvite, CreateSessionResponse, RoomAccess, type SessionDetail } from '../protocol/index.ts';
import { speak } from './support/audio.ts';
import { signUp, type SignedUp } from './support/auth.ts';
import { GroupParticipant } from './support/group-rtc.ts';
import { sessionDetail } from './support/sessions.ts';
import { type Stack, eventually, startStack, within } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// A group call end to end on loopback: real livekit-server, API on Postgres, the agent worker on
// offline providers, three characters (each its own participant and track) and two people made of
// @livekit/rtc-node, one of them a guest with an invite.

const CAST = ['walt', 'june', 'milo'] as const;
const castIdentity = (id: string) => `character-${id}`;
// The offline STT recognises these exactly (pocketsphinx phrase grammar); anything else is dictation.
const ASK_JUNE = 'june what do you like to do';
const ASK_MILO = 'milo tell me a long story about your day';
const BARGE_IN = 'sorry to interrupt but wait a moment please';

let stack: Stack;
let owner: SignedUp;
let created: CreateSessionResponse;
let host: GroupParticipant;
let guest: GroupParticipant;

const session = (): Promise<SessionDetail> => sessionDetail(stack.api.url, owner, created.sessionId);

beforeAll(async () => {
  stack = await startStack({
    agentEnv: { OFFLINE_STT_PHRASES: [ASK_JUNE, ASK_MILO, BARGE_IN].join('|') },
  });
  owner = await signUp(stack.api.url);
});

// A failure shows what the agent was doing.
beforeEach(() => {
  onTestFailed(() => {
    console.error(`the agent's last lines:\n${stack.agentLog.slice(-40).join('\n')}`);
  });
});

afterAll(() => teardown(host, guest, stack));

describe('a group call', () => {
  it('when a group session is created and a guest joins by invite, then every character joins as its own participant', async () => {
    const res = await fetch(`${stack.api.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...owner.headers },
      body: JSON.stringify({
        mode: 'group',
        characterIds: CAST,
        displayName: 'Host',
        settings: { chainCap: 1, chainProbability: 1 },
      }),
    });
    expect(res.status).toBe(201);
    created = CreateSessionResponse.parse(await res.json());
    expect(created.characters?.map((c) => c.id)).toEqual([...CAST]);

    const invite = await fetch(`${stack.api.url}/api/sessions/${created.sessionId}/invites`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...owner.headers },
      body: '{}',
    });
    const { code } = CreatedInvite.parse(await invite.json());
    const joined = await fetch(`${stack.api.url}/api/invites/${code}/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Guest' }),
    });
    const access = RoomAccess.parse(await joined.json());

    host = new GroupParticipant();
    guest = new GroupParticipant();
    await host.join(created.url, created.token);
    await guest.join(access.url, access.token);
    const everyone = () => CAST.every((id) => host.room.remoteParticipants.has(castIdentity(id)));
    await within(
      stack,
      eventually(async () => everyone(), Boolean, { what: 'all characters in the room' }),
      'cast',
    );
    const detail = await session();
    expect(detail.mode).toBe('group');
    expect(detail.characterIds).toEqual([...CAST]);
    expect(detail.settings?.chainCap).toBe(1);
  });

  it('when the host asks a question naming June, then June answers first and the chain stops at its cap', async () => {
    const from = host.floor.length;
    await host.say(await speak(ASK_JUNE));
    const first = await within(
      stack,
      host.floorMessage((m) => m.state === 'character' && m.speaker !== null, from),
      'a character taking the floor',
    );
    expect(first).toMatchObject({ speaker: 'june', reason: 'mention', replyTo: host.identity });
    await within(stack, host.logOf(castIdentity('june')).firstSpeechAfter(0), "June's voice", 30_000);

    // chainCap 1 with chainProbability 1: exactly one other character answers June, then the people have the floor.
    const detail = await eventually(
      session,
      (s) => s.transcript.filter((t) => t.role === 'assistant').length >= 2,
      { what: 'two character replies', timeoutMs: 60_000 },
    );
    await within(
      stack,
      host.floorMessage((m) => m.state === 'open', host.floor.indexOf(first)),
      'the floor returning to the people',
      60_000,
    );
    const settled = await session();
    const user = settled.transcript.find((t) => t.role === 'user');
    expect(user).toMatchObject({ speaker: host.identity, speakerName: 'Host', text: ASK_JUNE });
    const replies = settled.transcript.filter((t) => t.role === 'assistant');
    expect(replies.map((r) => r.speaker)[0]).toBe('june');
    expect(replies).toHaveLength(2);
    expect(replies[1]!.speaker).not.toBe('june');
    expect(replies[1]!.metrics.handoverGapMs).not.toBeNull();
    expect(detail.transcript.length).toBeGreaterThanOrEqual(3);

    const sql = postgres(stack.database!.databaseUrl!, { max: 1 });
    const rows =
      await sql`select speaker, role from messages where session_id = ${created.sessionId} order by started_at`;
    await sql.end();
    expect(rows[0]).toMatchObject({ speaker: host.identity, role: 'user' });
    expect(rows.filter((r) => r.role === 'assistant')[0]).toMatchObject({ speaker: 'june' });
  });

  it('when the guest talks while a character speaks, then its audio stops and only the heard part is kept', async () => {
    // Failed on a loaded machine whose agent heard the barge-in late: now judged from the cut, not the onset.
    const before = (await session()).transcript.length;
    const from = host.floor.length;
    // Made before Milo speaks: espeak-ng took up to 3 s on a loaded machine, all of it off his story.
    const bargeIn = await speak(BARGE_IN);
    await host.say(await speak(ASK_MILO));
    await within(
      stack,
      host.floorMessage((m) => m.speaker === 'milo', from),
      'Milo taking the floor',
    );
    const milo = guest.logOf(castIdentity('milo'));
    const started = await within(stack, milo.firstSpeechAfter(Date.now()), "Milo's voice", 30_000);
    await within(
      stack,
      milo.waitFor((f) => f.at > started.at + 1200),
      'more of Milo',
      30_000,
    );
    const onset = Date.now();
    await guest.say(bargeIn);
    const detail = await eventually(
      session,
      (s) => s.transcript.slice(before).some((t) => t.speaker === 'milo' && t.interrupted),
      { what: "Milo's interrupted reply", timeoutMs: 30_000 },
    );
    const cut = detail.transcript.slice(before).find((t) => t.speaker === 'milo' && t.interrupted)!;
    expect(cut.heardText.length).toBeGreaterThan(0);
    expect(cut.heardText.length).toBeLessThan(cut.text.length);
    const guestTurn = await eventually(
      session,
      (s) => s.transcript.some((t) => t.speaker === guest.identity),
      { what: "the guest's turn" },
    );
    const said = guestTurn.transcript.find((t) => t.speaker === guest.identity)!;
    expect(said.speakerName).toBe('Guest');

    // Cut off because of the guest, and silent while the guest still holds the floor, once the audio
    // already on its way when his reply stopped has arrived. How soon after the guest's first word
    // that happens is the machine's speed (its VAD falls behind under load), not what is tested here.
    const cutAt = Date.parse(cut.endedAt);
    expect(cutAt).toBeGreaterThan(onset);
    const inFlightMs = 1500;
    const loud = milo.frames.filter(
      (f) => f.at > cutAt + inFlightMs && f.at < Date.parse(said.endedAt) && f.level > 0.01,
    );
    expect(loud).toEqual([]);
  });
});
