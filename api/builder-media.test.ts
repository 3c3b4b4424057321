import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import {
  Character,
  CreateCharacterRequest,
  ErrorBody,
  GenerateCharacterResponse,
  VoiceCloneResponse,
} from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { startFakeElevenLabs, type FakeElevenLabs } from '../test/support/fake-elevenlabs.ts';
import { startFakeVoices, type FakeVoices } from '../test/support/fake-elevenlabs-voices.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../test/support/fake-openai.ts';
import { characterInput, createCharacter, send, startTestApi, type TestApi } from './testing.ts';

// The builder's costly endpoints: voice previews, voice cloning and character generation, with
// no keys (offline) and with ElevenLabs and an LLM standing in at the wire.

/** The WAV's format and PCM16 samples; throws on anything but a canonical PCM16 mono WAVE file. */
function parseWav(buf: Buffer): { sampleRate: number; samples: Int16Array } {
  expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
  expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
  expect(buf.readUInt16LE(20)).toBe(1); // PCM
  expect(buf.readUInt16LE(22)).toBe(1); // mono
  expect(buf.readUInt16LE(34)).toBe(16);
  expect(buf.toString('ascii', 36, 40)).toBe('data');
  const bytes = buf.readUInt32LE(40);
  expect(bytes).toBe(buf.length - 44);
  const samples = new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + 44 + bytes));
  return { sampleRate: buf.readUInt32LE(24), samples };
}
/** `POST /api/characters/generate` as `who`, which must answer 200 with a draft. */
async function generate(
  apiUrl: string,
  description: string,
  who: SignedUp,
): Promise<GenerateCharacterResponse> {
  const res = await send(apiUrl, '/api/characters/generate', { body: { description }, headers: who.headers });
  expect(res.status, res.text).toBe(200);
  return GenerateCharacterResponse.parse(res.body);
}

/** Test Ada's voice speaking `text`, previewed as `who`; the answer must be 200 (its body is left unread). */
async function previewAdaVoice(apiUrl: string, who: SignedUp, text: string): Promise<Response> {
  const res = await fetch(`${apiUrl}/api/characters/test-ada/voice/preview`, {
    method: 'POST',
    headers: { ...who.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res;
}

const rmsOf = (s: Int16Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0) / Math.max(1, s.length)) / 32768;

const audioForm = (
  files: Array<[string, string, number]>,
  fields: Record<string, string> = { name: 'My voice' },
) => {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [name, type, size] of files)
    form.append('files', new Blob([new Uint8Array(size).fill(7)], { type }), name);
  return form;
};

describe.each(dbKinds)('builder media with no keys on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind, { BUILDER_RATE_LIMIT_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("when a character's voice is previewed offline, then the answer is a valid, non-silent WAV from espeak-ng", async () => {
    const user = await signUp(api.url);
    const res = await previewAdaVoice(api.url, user, 'Hello there, this is how I sound.');
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('x-voice-provider')).toBe('espeak');
    const { sampleRate, samples } = parseWav(Buffer.from(await res.arrayBuffer()));
    expect(sampleRate).toBe(22_050);
    expect(samples.length / sampleRate).toBeGreaterThan(1);
    expect(rmsOf(samples)).toBeGreaterThan(0.01);
  });

  it('when an unsaved voice is previewed, then it is spoken with that voice; bad text is a 400', async () => {
    const user = await signUp(api.url);
    const voice = characterInput('x').voice;
    const ok = await fetch(`${api.url}/api/voices/preview`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        voice: { ...voice, espeak: { voice: 'en-gb-scotland', variant: 'm3', rate: 140, pitch: 30 } },
        text: 'Och aye.',
      }),
    });
    expect(ok.status).toBe(200);
    expect(rmsOf(parseWav(Buffer.from(await ok.arrayBuffer())).samples)).toBeGreaterThan(0.01);
    for (const text of ['', '   ', 'x'.repeat(301)]) {
      const bad = await send(api.url, '/api/voices/preview', {
        body: { voice, text },
        headers: user.headers,
      });
      expect(bad.status, text).toBe(400);
      expect(ErrorBody.parse(bad.body).error.code).toBe('validation_failed');
    }
  });

  it('when previews come faster than BUILDER_RATE_LIMIT_PER_MINUTE, then the rest are 429', async () => {
    const user = await signUp(api.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await send(api.url, '/api/characters/test-ada/voice/preview', {
            body: { text: '' },
            headers: user.headers,
          })
        ).status,
      );
    expect(statuses).toEqual([400, 400, 400, 400, 429]);
  });

  it('when ElevenLabs is asked for without its key, or cloning is tried, then the errors say so', async () => {
    const user = await signUp(api.url);
    const el = await send(api.url, '/api/characters/test-ada/voice/preview', {
      body: { text: 'Hi', provider: 'elevenlabs' },
      headers: user.headers,
    });
    expect(el.status).toBe(409);
    const c = await createCharacter(api.url, user, 'Clone Me');
    const res = await fetch(`${api.url}/api/characters/${c.id}/voice/clone`, {
      method: 'POST',
      headers: user.headers,
      body: audioForm([['a.mp3', 'audio/mpeg', 1000]]),
    });
    expect(res.status).toBe(409);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('voice_cloning_unavailable');
  });

  it('when a character is generated offline, then the draft is complete, deterministic and accepted by create', async () => {
    const user = await signUp(api.url);
    const description = 'A cheerful Scottish pirate captain named Morag who loves sea shanties and storms';
    const out = await generate(api.url, description, user);
    expect(out.source).toBe('offline');
    expect(out.draft).toMatchObject({ name: 'Morag', visibility: 'private' });
    expect(out.draft.voice.espeak.voice).toBe('en-gb-scotland');
    expect(out.draft.persona.interests).toContain('sea shanties');
    expect(out.draft.tags).toContain('pirate');
    expect((await generate(api.url, description, user)).draft).toEqual(out.draft);
    const created = await send(api.url, '/api/characters', { body: out.draft, headers: user.headers });
    expect(created.status, created.text).toBe(201);
    expect((await send(api.url, '/api/characters/generate', { body: { description } })).status).toBe(401);
  });
});

describe.each(dbKinds)('builder media with ElevenLabs and an LLM on %s', (kind) => {
  let api: TestApi;
  let tts: FakeElevenLabs;
  let voices: FakeVoices;
  let llm: FakeOpenAI;
  let owner: SignedUp;
  let character: Character;
  const KEY = `el-key-${crypto.randomUUID()}`;

  beforeAll(async () => {
    tts = await startFakeElevenLabs({ apiKey: KEY });
    voices = await startFakeVoices({ apiKey: KEY, otherwise: tts.baseURL });
    llm = await startFakeOpenAI();
    api = await startTestApi(kind, {
      ELEVENLABS_API_KEY: KEY,
      ELEVENLABS_BASE_URL: voices.baseURL,
      LLM_BASE_URL: llm.baseURL,
      BUILDER_RATE_LIMIT_PER_MINUTE: '0',
    });
    owner = await signUp(api.url);
    character = await createCharacter(api.url, owner, 'Voice Owner');
  });
  afterAll(async () => {
    await api?.stop();
    await Promise.all([tts?.close(), voices?.close(), llm?.close()]);
  });

  it('when an ElevenLabs-voiced character is previewed, then the request reaches ElevenLabs with its voice and key', async () => {
    const res = await previewAdaVoice(api.url, owner, 'Hello from the cloud.');
    expect(res.headers.get('x-voice-provider')).toBe('elevenlabs');
    expect(rmsOf(parseWav(Buffer.from(await res.arrayBuffer())).samples)).toBeGreaterThan(0.01);
    const req = tts.requests.at(-1)!;
    expect(req).toMatchObject({ kind: 'http', voiceId: 'test-voice-1', keyMatched: true, status: 200 });
    expect(req.messages[0]).toMatchObject({ text: 'Hello from the cloud.' });
  });

  it('when ElevenLabs refuses the preview, then the answer is a 502 naming it and the API stays up', async () => {
    tts.options.fail = true;
    try {
      const res = await send(api.url, '/api/characters/test-ada/voice/preview', {
        body: { text: 'Hi' },
        headers: owner.headers,
      });
      expect(res.status).toBe(502);
      expect(ErrorBody.parse(res.body).error.message).toMatch(/ElevenLabs/);
    } finally {
      tts.options.fail = false;
    }
    expect((await send(api.url, '/healthz')).status).toBeLessThan(500);
  });

  it("when samples are cloned, then ElevenLabs gets the files and key, the character's voice id changes, and the key is never shown", async () => {
    const res = await fetch(`${api.url}/api/characters/${character.id}/voice/clone`, {
      method: 'POST',
      headers: owner.headers,
      body: audioForm(
        [
          ['one.mp3', 'audio/mpeg', 2000],
          ['two.wav', 'audio/wav', 3000],
        ],
        { name: 'Owner voice', description: 'warm' },
      ),
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const body = VoiceCloneResponse.parse(JSON.parse(text));
    expect(body.voiceId).toBe('cloned-voice-1');
    expect(body.character.voice.elevenlabs.voiceId).toBe('cloned-voice-1');
    const req = voices.requests.at(-1)!;
    expect(req).toMatchObject({ keyMatched: true, name: 'Owner voice', description: 'warm' });
    expect(req.files).toEqual([
      { name: 'one.mp3', type: 'audio/mpeg', bytes: 2000 },
      { name: 'two.wav', type: 'audio/wav', bytes: 3000 },
    ]);
    const stored = Character.parse(
      (await send(api.url, `/api/characters/${character.id}`, { headers: owner.headers })).body,
    );
    expect(stored.voice.elevenlabs.voiceId).toBe('cloned-voice-1');
    expect(stored.voice.espeak).toEqual(character.voice.espeak);
    expect(text).not.toContain(KEY);
    expect(api.logs.lines.join('\n')).not.toContain(KEY);
  });

  it('when ElevenLabs answers 400, 401 or 500, then each maps to a clear API error without the key', async () => {
    const cases: Array<[number, number, RegExp]> = [
      [400, 400, /refused the voice samples: The audio is too short/],
      [401, 502, /API key/],
      [500, 503, /answered 500/],
    ];
    for (const [upstream, status, message] of cases) {
      voices.options.failWith = upstream === 401 ? undefined : upstream;
      voices.options.apiKey = upstream === 401 ? 'another-key' : KEY;
      const res = await fetch(`${api.url}/api/characters/${character.id}/voice/clone`, {
        method: 'POST',
        headers: owner.headers,
        body: audioForm([['a.mp3', 'audio/mpeg', 100]]),
      });
      const text = await res.text();
      expect(res.status, text).toBe(status);
      expect(ErrorBody.parse(JSON.parse(text)).error.message).toMatch(message);
      expect(text).not.toContain(KEY);
    }
    voices.options.failWith = undefined;
    voices.options.apiKey = KEY;
    expect(api.logs.lines.join('\n')).not.toContain(KEY);
  });

  it('when the upload is wrong, then too many files, non-audio, no files and strangers are refused before ElevenLabs', async () => {
    const before = voices.requests.length;
    const post = (form: FormData, headers = owner.headers) =>
      fetch(`${api.url}/api/characters/${character.id}/voice/clone`, { method: 'POST', headers, body: form });
    const six = Array.from(
      { length: 6 },
      (_, i) => [`${i}.mp3`, 'audio/mpeg', 10] as [string, string, number],
    );
    expect((await post(audioForm(six))).status).toBe(400);
    expect((await post(audioForm([['x.txt', 'text/plain', 10]]))).status).toBe(415);
    expect((await post(audioForm([]))).status).toBe(400);
    expect((await post(audioForm([['a.mp3', 'audio/mpeg', 10]], {}))).status).toBe(400);
    const stranger = await signUp(api.url);
    expect((await post(audioForm([['a.mp3', 'audio/mpeg', 10]]), stranger.headers)).status).toBe(404);
    expect(
      (
        await send(api.url, `/api/characters/${character.id}/voice/clone`, {
          body: { name: 'x' },
          headers: owner.headers,
        })
      ).status,
    ).toBe(415);
    expect(voices.requests.length).toBe(before);
  });

  it('when the LLM answers with JSON, then the draft is its, asked for as JSON with the description', async () => {
    llm.options.reply = JSON.stringify({
      name: 'Captain Wren',
      tagline: 'A sky pirate with a soft heart',
      greeting: 'Welcome aboard the Kestrel!',
      persona: {
        background: 'Wren flies an airship.',
        traits: ['daring', 'kind'],
        interests: ['airships'],
        tone: 'bright',
        speakingStyle: 'Quick and warm.',
      },
      tags: ['Sky', 'pirate'],
      talkativeness: 7,
      voice: { gender: 'female', accent: 'british', pace: 'fast', pitch: 'high' },
    });
    const description = 'a kind sky pirate who flies an airship';
    const out = await generate(api.url, description, owner);
    expect(out.source).toBe('llm');
    expect(out.draft).toMatchObject({
      name: 'Captain Wren',
      greeting: 'Welcome aboard the Kestrel!',
      tags: ['sky', 'pirate'],
    });
    expect(out.draft.talkativeness).toBe(0.5);
    expect(out.notes).toContainEqual(expect.stringMatching(/^talkativeness was invalid/));
    expect(out.draft.voice.espeak.voice).toBe('en-gb-x-rp');
    expect(CreateCharacterRequest.safeParse(out.draft).success).toBe(true);
    const sent = llm.requests.at(-1)!.body as {
      response_format?: unknown;
      messages: Array<{ content: unknown }>;
    };
    expect(sent.response_format).toEqual({ type: 'json_object' });
    expect(JSON.stringify(sent.messages)).toContain(description);
  });

  it('when the LLM answers with something that is not JSON, then the offline draft is used and says so', async () => {
    llm.options.reply = 'Sure! Here is a character: Bob, who is nice.';
    const res = await send(api.url, '/api/characters/generate', {
      body: { description: 'a nice gardener' },
      headers: owner.headers,
    });
    const out = GenerateCharacterResponse.parse(res.body);
    expect(out.source).toBe('offline');
    expect(out.notes.join(' ')).toMatch(/not answer with a JSON object/);
    expect(out.draft.tags).toContain('gardening');
  });
});
