// The character generator that needs no LLM: a deterministic draft from the words of the
// description (the same description always gives the same draft). It is what people see on a
// machine with no keys, so it reads the description for a name, an archetype, adjectives, likes,
// an accent and a gender, and fills every field from those.
import { createHash } from 'node:crypto';
import type { CharacterVoice, GeneratedDraft } from '../../protocol/index.ts';
import { DEFAULT_AVATAR_URL } from './avatars.ts';
import { ARCHETYPES, DEFAULT_ARCHETYPE, TRAIT_WORDS } from './character-archetypes.ts';

export type Gender = 'female' | 'male' | 'neutral';
export type Pace = 'slow' | 'medium' | 'fast';
export type Pitch = 'low' | 'medium' | 'high';

/** What the voice is like, in words an LLM can also give; mapped onto every provider's voice. */
export interface VoiceHints {
  gender: Gender;
  /** An English accent: american, british, scottish, irish, welsh, caribbean, new york. */
  accent: string;
  pace: Pace;
  pitch: Pitch;
}

const FEMALE =
  /\b(she|her|woman|women|girl|lady|queen|princess|mother|mom|mum|grandma|grandmother|granny|aunt|sister|wife|witch|actress|cowgirl|heroine|daughter)\b/;
const MALE =
  /\b(he|his|him|man|men|boy|guy|gentleman|king|prince|father|dad|grandpa|grandfather|uncle|brother|husband|wizard|actor|cowboy|hero|son)\b/;

const NAMES: Record<Gender, string[]> = {
  female: ['Ada', 'Clara', 'Iris', 'Mara', 'Nell', 'Rosa', 'Tess', 'Vera', 'Greta', 'Lena', 'Maeve', 'Juno'],
  male: [
    'Arlo',
    'Felix',
    'Hugo',
    'Jonah',
    'Otto',
    'Silas',
    'Tobias',
    'Wes',
    'Casper',
    'Emmett',
    'Rufus',
    'Leo',
  ],
  neutral: [
    'Sky',
    'Robin',
    'Quinn',
    'Rowan',
    'Sage',
    'Ash',
    'Ellis',
    'Remy',
    'Jules',
    'Kit',
    'Marlow',
    'Wren',
  ],
};

const ACCENTS: Array<[RegExp, string, string]> = [
  [/\b(scottish|scotland|glasgow|edinburgh|highland)/, 'scottish', 'en-gb-scotland'],
  [/\b(welsh|wales|cardiff)/, 'welsh', 'en-gb-x-gbcwmd'],
  [/\b(caribbean|jamaica|jamaican|trinidad|barbados)/, 'caribbean', 'en-029'],
  [/\b(new york|brooklyn|bronx)/, 'new york', 'en-us-nyc'],
  [/\b(lancashire|northern english|manchester|yorkshire)/, 'northern english', 'en-gb-x-gbclan'],
  [/\b(british|english|england|london|oxford|victorian|posh|irish|ireland)/, 'british', 'en-gb-x-rp'],
];

/** Stable small numbers from the description, so choices vary between descriptions, never between runs. */
function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
const pick = <T>(list: readonly T[], seed: number): T => list[seed % list.length]!;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const uniq = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];

/** A name the description gives ("named Mara", "called Captain Reed", "Mara is a …"), if any. */
export function extractName(description: string): string | undefined {
  const word = "[A-Z][\\p{L}'’-]+";
  const title =
    '(?:(?:Captain|Doctor|Dr\\.?|Professor|Sir|Lady|Lord|Madame|Mr\\.?|Mrs\\.?|Ms\\.?|Miss|Uncle|Aunt|Grandma|Grandpa|King|Queen|Agent|Detective|Chef)\\s+)?';
  const full = `${title}${word}(?:\\s+${word})?`;
  const patterns = [
    new RegExp(`\\b(?:named|called|name is|name's|known as)\\s+["“]?(${full})`, 'u'),
    new RegExp(`["“](${full})["”]`, 'u'),
    new RegExp(`^(${full})(?:,|\\s+(?:is|was|the)\\b)`, 'u'),
  ];
  for (const re of patterns) {
    const m = re.exec(description.trim());
    const name = m?.[1]?.trim();
    if (name && !/^(A|An|The|This|My|She|He|They|It|I)$/.test(name)) return name.slice(0, 80);
  }
  return undefined;
}

/** Phrases after "loves", "likes", "into", "obsessed with", … as interests. */
function likedThings(text: string): string[] {
  const out: string[] = [];
  const re =
    /\b(?:loves?|likes?|enjoys?|adores?|into|obsessed with|fond of|interested in|passionate about|fan of)\s+([^.,;!?]+)/g;
  for (const m of text.matchAll(re)) {
    for (const part of m[1]!.split(/\s+(?:and|or)\s+|,/)) {
      const clean = part
        .trim()
        .replace(/^(the|a|an)\s+/, '')
        .split(/\s+/)
        .slice(0, 4)
        .join(' ');
      if (clean.length >= 3) out.push(clean);
    }
  }
  return out;
}

/** The voice hints the description implies. */
export function voiceHintsFor(text: string, traits: string[], seed: number): VoiceHints {
  const lower = text.toLowerCase();
  const f = FEMALE.test(lower);
  const m = MALE.test(lower);
  const gender: Gender =
    f && !m
      ? 'female'
      : m && !f
        ? 'male'
        : f && m
          ? lower.search(FEMALE) < lower.search(MALE)
            ? 'female'
            : 'male'
          : 'neutral';
  const accent = ACCENTS.find(([re]) => re.test(lower))?.[1] ?? 'american';
  const all = `${lower} ${traits.join(' ')}`;
  const pace: Pace = /\b(energetic|excitable|fast|hyper|bubbly|chatty|talkative|nervous|anxious)/.test(all)
    ? 'fast'
    : /\b(old|elderly|slow|calm|wise|stoic|sleepy|lazy|brooding|gentle)/.test(all)
      ? 'slow'
      : 'medium';
  const pitch: Pitch = /\b(child|kid|young|tiny|squeaky|bubbly|fairy)/.test(all)
    ? 'high'
    : /\b(deep|gruff|grumpy|grouchy|giant|old|elderly|brooding|stern)/.test(all)
      ? 'low'
      : pick(['medium', 'medium', gender === 'female' ? 'high' : 'low'] as const, seed);
  return { gender, accent, pace, pitch };
}

/** A voice for every provider from the hints: an espeak-ng accent and variant, stock cloud voices. */
export function voiceFromHints(h: VoiceHints, seed: number): CharacterVoice {
  const byGender = <T>(choices: Record<Gender, T>): T => choices[h.gender];
  const accent = ACCENTS.find(([, name]) => name === h.accent.toLowerCase())?.[2] ?? 'en-us';
  const variant = pick(
    byGender({
      female: ['f1', 'f2', 'f3', 'f4', 'f5'],
      male: ['m1', 'm2', 'm3', 'm4', 'm6', 'm7'],
      neutral: ['klatt', 'klatt2', 'klatt3', 'klatt4'],
    }),
    seed,
  );
  const rate = { slow: 140, medium: 165, fast: 190 }[h.pace] + ((seed >>> 8) % 11) - 5;
  const base = byGender({ female: 62, male: 40, neutral: 50 });
  const pitch = Math.max(
    0,
    Math.min(99, base + { low: -14, medium: 0, high: 14 }[h.pitch] + ((seed >>> 12) % 7) - 3),
  );
  return {
    openai: {
      voice: pick(
        byGender({ female: ['nova', 'shimmer'], male: ['onyx', 'echo'], neutral: ['alloy'] }),
        seed,
      ),
    },
    // ElevenLabs premade voices: Rachel, Bella (female); Adam, Antoni (male).
    elevenlabs: {
      voiceId: pick(
        byGender({
          female: ['21m00Tcm4TlvDq8ikWAM', 'EXAVITQu4vr4xnSDxMaL'],
          male: ['pNInz6obpgDQGcFmaJgB', 'ErXwobaYiN019PkySvjV'],
          neutral: ['21m00Tcm4TlvDq8ikWAM'],
        }),
        seed,
      ),
    },
    espeak: { voice: accent, variant, rate, pitch },
  };
}

function firstSentences(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '));
  return end > 40 ? cut.slice(0, end + 1) : `${cut.slice(0, max - 1).trimEnd()}…`;
}

/** "A grumpy old lighthouse keeper named Angus who …" → "grumpy old lighthouse keeper". */
function roleOf(text: string): string | undefined {
  const m =
    /\b(?:a|an)\s+([^.,;!?]{3,60}?)(?=\s+(?:named|called|who|that|with|from|in|on|living)\b|[.,;!?]|$)/i.exec(
      text,
    );
  return m?.[1]?.trim();
}

/** The description as a background about `name`: a leading article or pronoun becomes the name. */
function backgroundOf(text: string, name: string, role: string): string {
  const body = text.replace(
    new RegExp(`\\s*,?\\s*(?:named|called|known as)\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i'),
    '',
  );
  const story = /^(?:a|an)\s/i.test(body)
    ? `${name} is ${body.charAt(0).toLowerCase()}${body.slice(1)}`
    : /^(?:she|he|they) (?:is|are|was)\s/i.test(body)
      ? body.replace(/^(?:she|he|they) (?:is|are|was)/i, `${name} is`)
      : body.toLowerCase().includes(name.toLowerCase())
        ? body
        : `${name} is ${role}. ${body}`;
  const sentence = /[.!?]$/.test(story) ? story : `${story}.`;
  return firstSentences(sentence, 600);
}

/** A complete, valid draft for `POST /api/characters` from a description. Deterministic. */
export function offlineCharacter(description: string): GeneratedDraft {
  const text = description.replace(/\s+/g, ' ').trim();
  const lower = text.toLowerCase();
  const seed = seedOf(lower);
  const words = new Set(lower.match(/[a-z]+/g) ?? []);
  const matched = ARCHETYPES.filter((a) =>
    a.words.some((w) => (w.includes(' ') ? lower.includes(w) : words.has(w))),
  );
  const main = matched[0] ?? DEFAULT_ARCHETYPE;
  const adjectives = TRAIT_WORDS.filter((t) => words.has(t));
  const traits = uniq([
    ...adjectives,
    ...matched.flatMap((a) => a.traits),
    ...DEFAULT_ARCHETYPE.traits,
  ]).slice(0, 6);
  const interests = uniq([...likedThings(lower), ...matched.flatMap((a) => a.interests)]).slice(0, 6);
  const hints = voiceHintsFor(text, traits, seed);
  const name = extractName(text) ?? pick(NAMES[hints.gender], seed);
  const tone = adjectives.length > 0 ? `${adjectives.slice(0, 2).join(' and ')}, ${main.tone}` : main.tone;
  const talkative = /\b(chatty|talkative|loud|energetic|bubbly|outgoing|excitable)\b/.test(lower);
  const reserved = /\b(shy|quiet|reserved|taciturn|stoic|introverted|grumpy|grouchy)\b/.test(lower);
  const role = roleOf(text.replace(/\b(?:named|called)\s+\S+/i, '')) ?? main.role;
  const background = backgroundOf(text, name, role);
  const described = role === main.role && adjectives[0] ? `${role} who is ${adjectives[0]}` : role;
  const tagline = firstSentences(
    `${name}, ${/^(a|an|the)\s/i.test(described) ? '' : 'a '}${described}.`,
    200,
  );
  const greeting = main.greeting(name);
  return {
    name,
    tagline: cap(tagline),
    persona: {
      background,
      traits: traits.length > 0 ? traits : ['friendly'],
      interests: interests.length > 0 ? interests : DEFAULT_ARCHETYPE.interests,
      tone: tone.slice(0, 200),
      speakingStyle: reserved
        ? `${main.style} Keeps answers short.`
        : talkative
          ? `${main.style} Loves to keep a conversation going.`
          : main.style,
    },
    greeting,
    avatarUrl: DEFAULT_AVATAR_URL,
    voice: voiceFromHints(hints, seed),
    visibility: 'private',
    description: text.slice(0, 20_000),
    alternateGreetings: [`Oh, hello again! ${name} here. What's new?`],
    exampleDialogue: `{{user}}: What do you care about most?\n{{char}}: ${cap(interests[0] ?? 'conversation')}, if I'm honest. Ask me anything about it.`,
    talkativeness: talkative ? 0.8 : reserved ? 0.3 : 0.5,
    tags: uniq([...main.tags, ...matched.slice(1).flatMap((a) => a.tags), ...adjectives.slice(0, 2)]).slice(
      0,
      8,
    ),
  };
}
