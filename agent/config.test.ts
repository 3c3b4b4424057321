import { describe, expect, it } from 'vitest';
import { defaultProviderOptions } from '../speech/options.ts';
import { defaultIdleProcesses, defaultMaxJobs, loadAgentOptions } from './config.ts';

describe('agent configuration', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const o = loadAgentOptions({});
    expect(o.livekit.url).toBe('ws://127.0.0.1:7880');
    expect(o.apiUrl).toBe('http://127.0.0.1:3000');
    expect(o.turnTaking.turnDetection).toBe('vad');
    expect(o.providers.openai.apiKey).toBeUndefined();
  });

  it('when variables are empty, as in a copied .env.example, then they count as unset', () => {
    const o = loadAgentOptions({ LIVEKIT_URL: '', OPENAI_API_KEY: '  ', ENDPOINTING_MIN_DELAY_MS: '' });
    expect(o.livekit.url).toBe('ws://127.0.0.1:7880');
    expect(o.providers.openai.apiKey).toBeUndefined();
    expect(o.turnTaking.endpointingMinDelayMs).toBe(500);
  });

  it('when a variable is malformed, then the error names it', () => {
    expect(() => loadAgentOptions({ ENDPOINTING_MIN_DELAY_MS: 'soon', TURN_DETECTION: 'cloud' })).toThrow(
      /ENDPOINTING_MIN_DELAY_MS[\s\S]*TURN_DETECTION|TURN_DETECTION[\s\S]*ENDPOINTING_MIN_DELAY_MS/,
    );
  });

  it('when no provider is set, then the provider options are the offline defaults', () => {
    expect(loadAgentOptions({}).providers).toEqual(defaultProviderOptions);
  });

  it('when provider variables are set, then each lands in its typed option once', () => {
    const options = loadAgentOptions({
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: 'http://openai.local/v1',
      STT_BASE_URL: 'http://speaches:8000/v1',
      LLM_API_KEY: 'llm-key',
      LLM_MODEL: 'llama3',
      TTS_MODEL: 'kokoro',
      ELEVENLABS_API_KEY: 'el-key',
      ELEVENLABS_BASE_URL: 'https://eu.elevenlabs.example/v1',
      OFFLINE_STT_PHRASES: ' hello june | | who are you ',
    }).providers;
    expect(options).toEqual({
      openai: { apiKey: 'sk-openai', baseUrl: 'http://openai.local/v1' },
      stt: { baseUrl: 'http://speaches:8000/v1', apiKey: undefined, model: 'gpt-4o-mini-transcribe' },
      llm: { baseUrl: undefined, apiKey: 'llm-key', model: 'llama3' },
      tts: { baseUrl: undefined, apiKey: undefined, model: 'kokoro' },
      elevenlabs: {
        apiKey: 'el-key',
        baseUrl: 'https://eu.elevenlabs.example/v1',
        model: 'eleven_flash_v2_5',
      },
      offline: { sttPhrases: ['hello june', 'who are you'] },
    });
  });

  it('when nothing is set, then load is counted in jobs, not the machine CPU a browser can spike', () => {
    const { worker } = loadAgentOptions({});
    expect(worker.loadMeasure).toBe('jobs');
    expect(worker.maxJobs).toBe(defaultMaxJobs());
    expect(worker.idleProcesses).toBe(defaultIdleProcesses(undefined, defaultMaxJobs()));
  });

  it('when capacity is derived, then it follows cores and memory', () => {
    const GB = 1024 ** 3;
    const cases: Array<[cores: number, memoryGb: number, maxJobs: number, idle: number]> = [
      [2, 24, 12, 6],
      [8, 64, 48, 24],
      [2, 2, 4, 1],
      [1, 0.5, 1, 1],
    ];
    for (const [cores, memoryGb, maxJobs, idle] of cases) {
      expect(defaultMaxJobs(cores, memoryGb * GB), `${cores} cores, ${memoryGb} GB`).toBe(maxJobs);
      expect(defaultIdleProcesses(cores, maxJobs, memoryGb * GB), `${cores} cores, ${memoryGb} GB`).toBe(
        idle,
      );
    }
  });
});
