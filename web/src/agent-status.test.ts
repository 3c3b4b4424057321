import { describe, expect, it } from 'vitest';
import { describeProviders, readAgentStatus } from './agent-status.ts';

describe('readAgentStatus', () => {
  it('when troupe.offline is "true" with providers, then the badge shows with every stage', () => {
    const s = readAgentStatus({
      'troupe.offline': 'true',
      'troupe.providers': JSON.stringify({
        stt: 'offline-stt',
        llm: 'persona-brain',
        tts: 'espeak-ng',
        offline: true,
      }),
    });
    expect(s).toEqual({
      offline: true,
      providers: { stt: 'offline-stt', llm: 'persona-brain', tts: 'espeak-ng', offline: true },
    });
    expect(describeProviders(s.providers)).toBe(
      'Speech recognition: offline-stt\nLanguage model: persona-brain\nVoice: espeak-ng',
    );
  });

  it('when the attributes are missing, then the agent is not offline and has no providers', () => {
    expect(readAgentStatus({})).toEqual({ offline: false, providers: null });
  });

  it('when troupe.offline is anything but "true", then the agent is not offline', () => {
    expect(readAgentStatus({ 'troupe.offline': 'false' }).offline).toBe(false);
    expect(readAgentStatus({ 'troupe.offline': 'TRUE' }).offline).toBe(false);
  });

  it('when troupe.providers is not the expected JSON, then only the provider details are lost', () => {
    expect(readAgentStatus({ 'troupe.offline': 'true', 'troupe.providers': '{oops' })).toEqual({
      offline: true,
      providers: null,
    });
    expect(readAgentStatus({ 'troupe.providers': '{"stt":1}' }).providers).toBeNull();
    expect(describeProviders(null)).toMatch(/not reported/);
  });
});
