import { APITimeoutError, initializeLogger, log } from '@livekit/agents';
import { dispose } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { espeakFrames, requireSpeechTools } from './fixtures/speech.ts';
import { PocketsphinxDecoder } from './pocketsphinx-decoder.ts';
import { defaultPocketsphinxSTTOptions, toMono16k } from './pocketsphinx-stt.ts';

const model = defaultPocketsphinxSTTOptions.modelDir;
let decoder: PocketsphinxDecoder;
let hello: Int16Array;

beforeAll(async () => {
  requireSpeechTools('espeak-ng', 'pocketsphinx');
  initializeLogger({ pretty: false, level: 'error' });
  hello = toMono16k(await espeakFrames('hello how are you'));
  decoder = new PocketsphinxDecoder(
    {
      name: 'grammar',
      executable: 'pocketsphinx_batch',
      args: (dir) => [
        '-hmm',
        `${model}/en-us`,
        '-dict',
        `${model}/cmudict-en-us.dict`,
        '-jsgf',
        `${dir}/g.jsgf`,
      ],
      files: { 'g.jsgf': '#JSGF V1.0;\ngrammar t;\npublic <p> = hello how are you | good night;\n' },
      timeoutMs: 10_000,
    },
    log(),
  );
});

afterAll(async () => {
  await decoder.close();
  await dispose();
});

describe('PocketsphinxDecoder', () => {
  // Guards against a stuck decoder holding every later utterance hostage.
  it('when an utterance times out, then the process is restarted and the next utterance decodes', async () => {
    expect(await decoder.decode(hello)).toBe('hello how are you');
    await expect(decoder.decode(hello, { timeoutMs: -hello.length / 16 })).rejects.toBeInstanceOf(
      APITimeoutError,
    );
    expect(await decoder.decode(hello)).toBe('hello how are you');
  });

  it('when a recognition is aborted, then it rejects with the reason and the decoder keeps working', async () => {
    const abort = new AbortController();
    const pending = decoder.decode(hello, { signal: abort.signal });
    abort.abort(new Error('caller went away'));
    await expect(pending).rejects.toThrow('caller went away');
    expect(await decoder.decode(hello)).toBe('hello how are you');
  });
});
