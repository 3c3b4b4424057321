import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from './config.ts';

describe('agent configuration', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const c = loadAgentConfig({});
    expect(c.LIVEKIT_URL).toBe('ws://127.0.0.1:7880');
    expect(c.API_URL).toBe('http://127.0.0.1:3000');
    expect(c.TURN_DETECTION).toBe('vad');
    expect(c.OPENAI_API_KEY).toBeUndefined();
  });

  it('when variables are empty, as in a copied .env.example, then they count as unset', () => {
    const c = loadAgentConfig({ LIVEKIT_URL: '', OPENAI_API_KEY: '  ', ENDPOINTING_MIN_DELAY_MS: '' });
    expect(c.LIVEKIT_URL).toBe('ws://127.0.0.1:7880');
    expect(c.OPENAI_API_KEY).toBeUndefined();
    expect(c.ENDPOINTING_MIN_DELAY_MS).toBe(500);
  });

  it('when a variable is malformed, then the error names it', () => {
    expect(() => loadAgentConfig({ ENDPOINTING_MIN_DELAY_MS: 'soon', TURN_DETECTION: 'cloud' })).toThrow(
      /ENDPOINTING_MIN_DELAY_MS[\s\S]*TURN_DETECTION|TURN_DETECTION[\s\S]*ENDPOINTING_MIN_DELAY_MS/,
    );
  });
});
