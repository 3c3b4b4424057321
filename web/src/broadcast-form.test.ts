import { describe, expect, it } from 'vitest';
import type { Broadcast } from '../../protocol/index.ts';
import {
  createBodyFrom,
  emptyBroadcastForm,
  formFromBroadcast,
  secretFieldView,
  toggleCastMember,
  updateBodyFrom,
} from './broadcast-form.ts';
import type { BroadcastFormValues } from './broadcast-form.ts';

const KEY = 'test-stream-key-not-real';

const stored: Broadcast = {
  id: '0b6c1f4e-9a51-4c1e-8d0b-2f7a3c9e5d11',
  ownerId: '1b6c1f4e-9a51-4c1e-8d0b-2f7a3c9e5d11',
  title: 'Friday night',
  characterIds: ['june', 'walt'],
  twitch: {
    channel: 'troupe_tv',
    ingestUrl: 'rtmp://live.twitch.tv/app',
    streamKeySet: true,
    chatOAuthTokenSet: false,
  },
  destinations: [{ id: 'dest_0001', name: 'Backup', url: 'rtmp://127.0.0.1:1935/live', streamKeySet: true }],
  autonomous: { enabled: true, idleAfterMs: 15_000, cadenceMs: 45_000, agenda: ['weather', 'fishing'] },
  settings: {
    chainCap: 2,
    chainProbability: 0.5,
    pickupAfterMs: null,
    allowSelfReply: false,
    interruptionMinDurationMs: 300,
    addressing: 'heuristic',
    aliases: {},
    relationships: [],
  },
  output: 'builtin',
  outputUsed: null,
  video: { width: 1280, height: 720, fps: 30 },
  status: 'idle',
  sessionId: null,
  roomName: null,
  egressId: null,
  startedAt: null,
  endedAt: null,
  lastError: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

const filled = (over: Partial<BroadcastFormValues> = {}): BroadcastFormValues => ({
  ...emptyBroadcastForm(),
  title: ' Friday night ',
  characterIds: ['june', 'walt'],
  channel: 'Troupe_TV',
  streamKey: KEY,
  destinations: [{ name: 'Local', url: 'rtmp://127.0.0.1:1935/live', streamKey: '', keySet: false }],
  autonomousEnabled: true,
  idleAfterS: 15,
  cadenceS: 45,
  agenda: 'weather\n\n  fishing  \n',
  output: 'builtin',
  ...over,
});

describe('the broadcast form', () => {
  it('when a new broadcast is filled in, then the create body has its settings in the API’s units', () => {
    const result = createBodyFrom(filled());
    expect(result).toEqual({
      ok: true,
      body: {
        title: 'Friday night',
        characterIds: ['june', 'walt'],
        twitch: { channel: 'Troupe_TV', ingestUrl: 'rtmp://live.twitch.tv/app', streamKey: KEY },
        destinations: [{ name: 'Local', url: 'rtmp://127.0.0.1:1935/live' }],
        autonomous: { enabled: true, idleAfterMs: 15_000, cadenceMs: 45_000, agenda: ['weather', 'fishing'] },
        output: 'builtin',
      },
    });
  });

  it('when a stored broadcast is shown, then every setting is in the form and every secret input is empty', () => {
    const v = formFromBroadcast(stored);
    expect(v).toMatchObject({
      title: 'Friday night',
      channel: 'troupe_tv',
      streamKey: '',
      streamKeySet: true,
      chatToken: '',
      chatTokenSet: false,
      idleAfterS: 15,
      cadenceS: 45,
      agenda: 'weather\nfishing',
      output: 'builtin',
    });
    expect(v.destinations).toEqual([
      { id: 'dest_0001', name: 'Backup', url: 'rtmp://127.0.0.1:1935/live', streamKey: '', keySet: true },
    ]);
  });

  it('when a stored broadcast is saved without typing a key, then the update keeps the stored keys by leaving them out', () => {
    const result = updateBodyFrom(formFromBroadcast(stored));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.body.twitch).toEqual({ channel: 'troupe_tv', ingestUrl: 'rtmp://live.twitch.tv/app' });
    expect(result.body.destinations).toEqual([
      { id: 'dest_0001', name: 'Backup', url: 'rtmp://127.0.0.1:1935/live' },
    ]);
    expect(JSON.stringify(result.body)).not.toContain('streamKey');
  });

  it('when a new key is typed to replace the stored one, then only that key is sent', () => {
    const v = { ...formFromBroadcast(stored), streamKey: `  ${KEY} ` };
    const result = updateBodyFrom(v);
    expect(result.ok && result.body.twitch).toEqual({
      channel: 'troupe_tv',
      ingestUrl: 'rtmp://live.twitch.tv/app',
      streamKey: KEY,
    });
  });

  it('when the form is wrong, then the problems name the fields and never quote a key', () => {
    const result = createBodyFrom(
      filled({ channel: 'no spaces allowed', streamKey: 'bad key with spaces', ingestUrl: 'http://x' }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.some((p) => p.startsWith('Twitch channel:'))).toBe(true);
    expect(result.problems.some((p) => p.startsWith('Stream key:'))).toBe(true);
    expect(result.problems.some((p) => p.startsWith('Ingest URL:'))).toBe(true);
    expect(result.problems.join('\n')).not.toContain('bad key with spaces');
    expect(createBodyFrom(filled({ characterIds: ['june'] }))).toEqual({
      ok: false,
      problems: ['Choose at least 2 characters (1 chosen).'],
    });
  });

  it('when characters are picked past six, then the seventh is ignored', () => {
    let ids: string[] = [];
    for (const id of ['a1', 'b2', 'c3', 'd4', 'e5', 'f6', 'g7']) ids = toggleCastMember(ids, id, true);
    expect(ids).toEqual(['a1', 'b2', 'c3', 'd4', 'e5', 'f6']);
    expect(toggleCastMember(ids, 'c3', false)).toEqual(['a1', 'b2', 'd4', 'e5', 'f6']);
  });

  it('when a key is stored, then its field says only "Key set" until the person chooses to replace it', () => {
    expect(secretFieldView(false, false)).toEqual({
      showInput: true,
      status: 'No key set',
      canReplace: false,
    });
    expect(secretFieldView(true, false)).toEqual({ showInput: false, status: 'Key set', canReplace: true });
    expect(secretFieldView(true, true)).toMatchObject({ showInput: true, canReplace: false });
  });
});
