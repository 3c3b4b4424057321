import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import {
  CreateSessionResponse,
  DispatchMetadata,
  GroupSettings,
  MAX_GROUP_HUMANS,
  SessionDetail,
  type Character,
} from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { createCharacter, livekitEnv, send, startTestApi, useTestLivekit, type TestApi } from './testing.ts';

const livekit = useTestLivekit();

describe.each(dbKinds)('group sessions against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let stranger: SignedUp;
  let mine: Character;
  let theirs: Character;

  beforeAll(async () => {
    api = await startTestApi(kind, livekitEnv(livekit));
    owner = await signUp(api.url);
    stranger = await signUp(api.url);
    mine = await createCharacter(api.url, owner, 'Cleo');
    theirs = await createCharacter(api.url, stranger, 'Dax');
  });
  afterAll(async () => {
    await api?.stop();
  });

  const create = (body: Record<string, unknown>, headers = owner.headers) =>
    send(api.url, '/api/sessions', { body: { mode: 'group', ...body }, headers });

  it('when a group is created, then its characters, settings and dispatch carry the whole cast in order', async () => {
    const res = await create({
      characterIds: ['test-bob', mine.id, 'test-ada'],
      displayName: 'Host',
      settings: { chainCap: 1, relationships: [{ from: 'test-ada', to: 'test-bob', kind: 'competitive' }] },
    });
    expect(res.status, res.text).toBe(201);
    const created = CreateSessionResponse.parse(res.body);
    expect(created.character.id).toBe('test-bob');
    expect(created.characters?.map((c) => c.id)).toEqual(['test-bob', mine.id, 'test-ada']);

    const detail = SessionDetail.parse(
      (await send(api.url, `/api/sessions/${created.sessionId}`, { headers: owner.headers })).body,
    );
    expect(detail.mode).toBe('group');
    expect(detail.characterIds).toEqual(['test-bob', mine.id, 'test-ada']);
    expect(detail.settings).toEqual(
      GroupSettings.parse({
        chainCap: 1,
        relationships: [{ from: 'test-ada', to: 'test-bob', kind: 'competitive' }],
      }),
    );

    const claims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(created.token);
    const roomConfig = claims.roomConfig as unknown as {
      maxParticipants: number;
      agents: { metadata: string }[];
    };
    // People, one participant per character, and the job's own.
    expect(roomConfig.maxParticipants).toBe(MAX_GROUP_HUMANS + 3 + 1);
    const dispatch = DispatchMetadata.parse(JSON.parse(roomConfig.agents[0]!.metadata));
    expect(dispatch.mode).toBe('group');
    expect(dispatch.characters?.map((c) => c.id)).toEqual(['test-bob', mine.id, 'test-ada']);
    expect(dispatch.settings?.chainCap).toBe(1);
    expect(dispatch.memories).toBeUndefined();
  });

  it('when a call is created, then its detail lists its one character and no group settings', async () => {
    const res = await send(api.url, '/api/sessions', {
      body: { mode: 'call', characterId: 'test-ada' },
      headers: owner.headers,
    });
    const created = CreateSessionResponse.parse(res.body);
    const detail = SessionDetail.parse(
      (await send(api.url, `/api/sessions/${created.sessionId}`, { headers: owner.headers })).body,
    );
    expect(detail.characterIds).toEqual(['test-ada']);
    expect(detail.settings).toBeNull();
  });

  it.each([
    ['one character', { characterIds: ['test-ada'] }],
    ['seven characters', { characterIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }],
    ['the same character twice', { characterIds: ['test-ada', 'test-ada'] }],
    ['characterId instead of characterIds', { characterId: 'test-ada' }],
    [
      'a relationship with a stranger',
      {
        characterIds: ['test-ada', 'test-bob'],
        settings: { relationships: [{ from: 'test-ada', to: 'zed', kind: 'rival' }] },
      },
    ],
    [
      'a relationship with oneself',
      {
        characterIds: ['test-ada', 'test-bob'],
        settings: { relationships: [{ from: 'test-ada', to: 'test-ada', kind: 'rival' }] },
      },
    ],
    ['an unknown setting', { characterIds: ['test-ada', 'test-bob'], settings: { loudness: 11 } }],
    ['a negative chain cap', { characterIds: ['test-ada', 'test-bob'], settings: { chainCap: -1 } }],
  ])('when a group has %s, then it is refused with 400', async (_what, body) => {
    const res = await create(body);
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it("when a group names someone else's private character, then it is 404 and nothing is created", async () => {
    const before = await send(api.url, '/api/sessions', { headers: owner.headers });
    const res = await create({ characterIds: ['test-ada', theirs.id] });
    expect(res.status).toBe(404);
    const after = await send(api.url, '/api/sessions', { headers: owner.headers });
    expect((after.body as { sessions: unknown[] }).sessions).toHaveLength(
      (before.body as { sessions: unknown[] }).sessions.length,
    );
  });
});
