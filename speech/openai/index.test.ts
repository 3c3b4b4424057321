import { describe, expect, it } from 'vitest';
import { providerOptions } from '../options.ts';
import { endpointFor } from './index.ts';

describe('OpenAI-compatible endpoints', () => {
  it('when nothing is configured, then no stage has an endpoint', () => {
    const options = providerOptions();
    expect(['stt', 'llm', 'tts'].map((s) => endpointFor(options, s as 'stt'))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('when only the shared key and URL are set, then every stage uses them', () => {
    const options = providerOptions({ openai: { apiKey: 'sk', baseUrl: 'http://openai.local/v1' } });
    expect(endpointFor(options, 'tts')).toEqual({ apiKey: 'sk', baseURL: 'http://openai.local/v1' });
  });

  it('when a stage has its own server with no key, then it wins and the key is a placeholder', () => {
    const options = providerOptions({
      openai: { baseUrl: 'http://openai.local/v1' },
      llm: { baseUrl: 'http://ollama:11434/v1' },
    });
    expect(endpointFor(options, 'llm')).toEqual({ apiKey: 'not-needed', baseURL: 'http://ollama:11434/v1' });
    expect(endpointFor(options, 'stt')).toEqual({ apiKey: 'not-needed', baseURL: 'http://openai.local/v1' });
  });
});
