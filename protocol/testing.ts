// Fixtures for tests of every folder; product code does not import this file.
import type { Character } from './characters.ts';
import type { FloorMessage } from './group.ts';

/**
 * A valid character for a test, with `overrides` on top. The content is a placeholder derived from
 * `name`; a test that asserts on a field names its value in `overrides`.
 */
export function testCharacter(overrides: Partial<Character> = {}): Character {
  const name = overrides.name ?? 'Test Character';
  return {
    id: 'test-character',
    name,
    tagline: `${name}, made in a test`,
    persona: {
      background: `${name} exists only in the tests.`,
      traits: ['discreet'],
      interests: ['secrets'],
      tone: 'quiet',
      speakingStyle: 'Few words.',
    },
    greeting: 'Hello.',
    avatarUrl: '/avatars/test.svg',
    voice: {
      openai: { voice: 'alloy' },
      elevenlabs: { voiceId: 'v1' },
      espeak: { voice: 'en-us', rate: 170, pitch: 50 },
    },
    builtIn: false,
    ...overrides,
  };
}

/** A floor message for a test: an open floor, nobody speaking or answered, with `overrides` on top. */
export function testFloorMessage(overrides: Partial<FloorMessage> = {}): FloorMessage {
  return {
    type: 'floor',
    seq: 0,
    state: 'open',
    speaker: null,
    next: null,
    humans: [],
    reason: null,
    replyTo: null,
    ...overrides,
  };
}
