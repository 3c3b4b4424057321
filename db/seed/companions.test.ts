import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Character } from '../../protocol/index.ts';
import { builtInCharacters } from './companions.ts';

const webPublic = fileURLToPath(new URL('../../web/public', import.meta.url));
const espeakData = '/usr/lib/x86_64-linux-gnu/espeak-ng-data';

const openaiVoices = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
];

/** English espeak-ng voices shipped with espeak-ng 1.51 (`espeak-ng --voices=en`), by language file. */
const espeakLanguageFiles: Record<string, string> = {
  'en-us': 'gmw/en-US',
  'en-gb': 'gmw/en',
  'en-gb-scotland': 'gmw/en-GB-scotland',
  'en-gb-x-rp': 'gmw/en-GB-x-rp',
  'en-gb-x-gbclan': 'gmw/en-GB-x-gbclan',
  'en-gb-x-gbcwmd': 'gmw/en-GB-x-gbcwmd',
  'en-029': 'gmw/en-029',
  'en-us-nyc': 'gmw/en-US-nyc',
};

describe('built-in companions', () => {
  it('when each companion is parsed with the Character contract, then it is valid and built in', () => {
    expect(builtInCharacters.length).toBeGreaterThanOrEqual(12);
    for (const c of builtInCharacters) {
      expect(() => Character.parse(c), c.id).not.toThrow();
      expect(c.builtIn).toBe(true);
    }
  });

  it('when ids and names are compared, then none repeats', () => {
    const ids = builtInCharacters.map((c) => c.id);
    const names = builtInCharacters.map((c) => c.name.toLowerCase());
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(names).size).toBe(names.length);
  });

  it('when personas are read, then each has 3–6 traits and interests and a concrete speaking style', () => {
    for (const c of builtInCharacters) {
      const p = c.persona;
      expect(p.traits.length, c.id).toBeGreaterThanOrEqual(3);
      expect(p.traits.length, c.id).toBeLessThanOrEqual(6);
      expect(p.interests.length, c.id).toBeGreaterThanOrEqual(3);
      expect(p.interests.length, c.id).toBeLessThanOrEqual(6);
      expect(p.background.length, c.id).toBeGreaterThan(80);
      expect(p.speakingStyle.length, c.id).toBeGreaterThan(80);
      // A spoken greeting is short and hands the turn to the caller.
      expect(c.greeting.length, c.id).toBeLessThanOrEqual(160);
      expect(c.greeting.trim().endsWith('?'), c.id).toBe(true);
    }
  });

  it('when avatars are looked up, then each is a small SVG on disk at /avatars/<id>.svg', () => {
    for (const c of builtInCharacters) {
      expect(c.avatarUrl).toBe(`/avatars/${c.id}.svg`);
      const file = `${webPublic}${c.avatarUrl}`;
      expect(existsSync(file), file).toBe(true);
      expect(statSync(file).size, file).toBeLessThan(4096);
    }
  });

  it('when voices are compared, then ElevenLabs and espeak voices are all distinct and OpenAI voices vary', () => {
    const eleven = builtInCharacters.map((c) => c.voice.elevenlabs.voiceId);
    expect(new Set(eleven).size).toBe(eleven.length);
    for (const id of eleven) expect(id).toMatch(/^[A-Za-z0-9]{20}$/);

    const openai = builtInCharacters.map((c) => c.voice.openai.voice);
    for (const v of openai) expect(openaiVoices).toContain(v);
    expect(new Set(openai).size).toBeGreaterThanOrEqual(Math.min(openaiVoices.length, openai.length) - 1);

    const full = builtInCharacters.map((c) => JSON.stringify(c.voice));
    expect(new Set(full).size).toBe(full.length);
  });

  it('when two companions share an espeak accent and variant, then their rate or pitch sets them apart', () => {
    const all = builtInCharacters.map((c) => ({ id: c.id, ...c.voice.espeak }));
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) {
        if (a.voice !== b.voice || a.variant !== b.variant) continue;
        const apart = Math.abs(a.rate - b.rate) >= 20 || Math.abs(a.pitch - b.pitch) >= 15;
        expect(apart, `${a.id} vs ${b.id}`).toBe(true);
      }
    }
    for (const e of all) {
      expect(e.rate, e.id).toBeGreaterThanOrEqual(130);
      expect(e.rate, e.id).toBeLessThanOrEqual(200);
      expect(e.pitch, e.id).toBeGreaterThanOrEqual(20);
      expect(e.pitch, e.id).toBeLessThanOrEqual(80);
    }
  });

  it('when espeak-ng data is installed, then every accent and variant exists in it', () => {
    for (const c of builtInCharacters) {
      expect(Object.keys(espeakLanguageFiles), c.id).toContain(c.voice.espeak.voice);
    }
    if (!existsSync(espeakData)) return;
    for (const c of builtInCharacters) {
      const { voice, variant } = c.voice.espeak;
      expect(existsSync(`${espeakData}/lang/${espeakLanguageFiles[voice]}`), `${c.id} ${voice}`).toBe(true);
      if (variant !== undefined) {
        expect(existsSync(`${espeakData}/voices/!v/${variant}`), `${c.id} ${variant}`).toBe(true);
      }
    }
  });
});
