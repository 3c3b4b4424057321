import { CreateCharacterRequest, builderDefaults } from '../../protocol/characters.ts';
import type { CharacterVisibility } from '../../protocol/characters.ts';

/**
 * The character builder's form as plain values, and its mapping to and from the create/update
 * contract. Validation is the contract's own zod schema, so the page and the API cannot disagree;
 * its issues are turned into one message per form field.
 */

/** The avatar a character has until one is uploaded (the one imported cards get too). */
export const defaultAvatarUrl = '/avatars/imported.svg';

/** Every input of the form, named by the contract's field path (`persona.tone`, `voice.espeak.rate`). */
export interface BuilderValues {
  name: string;
  tagline: string;
  description: string;
  'persona.background': string;
  /** Comma- or newline-separated. */
  'persona.traits': string;
  'persona.interests': string;
  'persona.tone': string;
  'persona.speakingStyle': string;
  greeting: string;
  /** One greeting per line. */
  alternateGreetings: string;
  exampleDialogue: string;
  /** 0–1. */
  talkativeness: number;
  /** Comma-separated. */
  tags: string;
  visibility: CharacterVisibility;
  avatarUrl: string;
  'voice.openai.voice': string;
  'voice.elevenlabs.voiceId': string;
  /** Optional numbers as typed; '' leaves the provider's own default. */
  'voice.openai.speed': string;
  'voice.elevenlabs.stability': string;
  'voice.elevenlabs.similarity': string;
  'voice.elevenlabs.speed': string;
  'voice.espeak.voice': string;
  'voice.espeak.variant': string;
  'voice.espeak.rate': string;
  'voice.espeak.pitch': string;
}

export type BuilderField = keyof BuilderValues;

/** The fields of a character the builder edits: the create request as a client sends it. */
export type CharacterFields = CreateCharacterRequest;

/** Field → message; `''` holds what belongs to no one field. */
export type FieldErrors = Partial<Record<BuilderField | '', string>>;

export const emptyBuilderValues: BuilderValues = {
  name: '',
  tagline: '',
  description: builderDefaults.description,
  'persona.background': '',
  'persona.traits': '',
  'persona.interests': '',
  'persona.tone': '',
  'persona.speakingStyle': '',
  greeting: '',
  alternateGreetings: '',
  exampleDialogue: builderDefaults.exampleDialogue,
  talkativeness: builderDefaults.talkativeness,
  tags: '',
  visibility: 'private',
  avatarUrl: defaultAvatarUrl,
  'voice.openai.voice': 'alloy',
  'voice.elevenlabs.voiceId': '21m00Tcm4TlvDq8ikWAM',
  'voice.openai.speed': '',
  'voice.elevenlabs.stability': '',
  'voice.elevenlabs.similarity': '',
  'voice.elevenlabs.speed': '',
  'voice.espeak.voice': 'en-us',
  'voice.espeak.variant': '',
  'voice.espeak.rate': '175',
  'voice.espeak.pitch': '50',
};

const optionalText = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** `{[key]: number}` for a filled-in field, `{}` for a blank one (the provider's default). */
function optionalNumber<K extends string>(key: K, text: string): Partial<Record<K, number>> {
  const t = text.trim();
  return t === '' ? {} : ({ [key]: toNumber(t) } as Partial<Record<K, number>>);
}

/** `a, b\nc` → `['a', 'b', 'c']`, blanks dropped. */
export function splitList(text: string, separator: RegExp = /[,\n]/): string[] {
  return text
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A number typed in a text field; NaN (which the schema refuses with a message) when it is not one. */
function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** The form's values for a character, a generated draft, or a blank form (missing parts stay default). */
export function toBuilderValues(c: Partial<CharacterFields> = {}): BuilderValues {
  const d = emptyBuilderValues;
  return {
    name: c.name ?? d.name,
    tagline: c.tagline ?? d.tagline,
    description: c.description ?? d.description,
    'persona.background': c.persona?.background ?? d['persona.background'],
    'persona.traits': c.persona?.traits.join(', ') ?? d['persona.traits'],
    'persona.interests': c.persona?.interests.join(', ') ?? d['persona.interests'],
    'persona.tone': c.persona?.tone ?? d['persona.tone'],
    'persona.speakingStyle': c.persona?.speakingStyle ?? d['persona.speakingStyle'],
    greeting: c.greeting ?? d.greeting,
    alternateGreetings: c.alternateGreetings?.join('\n') ?? d.alternateGreetings,
    exampleDialogue: c.exampleDialogue ?? d.exampleDialogue,
    talkativeness: c.talkativeness ?? d.talkativeness,
    tags: c.tags?.join(', ') ?? d.tags,
    visibility: c.visibility ?? d.visibility,
    avatarUrl: c.avatarUrl ?? d.avatarUrl,
    'voice.openai.voice': c.voice?.openai.voice ?? d['voice.openai.voice'],
    'voice.elevenlabs.voiceId': c.voice?.elevenlabs.voiceId ?? d['voice.elevenlabs.voiceId'],
    'voice.openai.speed': optionalText(c.voice?.openai.speed),
    'voice.elevenlabs.stability': optionalText(c.voice?.elevenlabs.stability),
    'voice.elevenlabs.similarity': optionalText(c.voice?.elevenlabs.similarity),
    'voice.elevenlabs.speed': optionalText(c.voice?.elevenlabs.speed),
    'voice.espeak.voice': c.voice?.espeak.voice ?? d['voice.espeak.voice'],
    'voice.espeak.variant': c.voice?.espeak.variant ?? d['voice.espeak.variant'],
    'voice.espeak.rate': String(c.voice?.espeak.rate ?? d['voice.espeak.rate']),
    'voice.espeak.pitch': String(c.voice?.espeak.pitch ?? d['voice.espeak.pitch']),
  };
}

/** The create request (also the update, as a whole) the form's values make. Strings are trimmed. */
export function toCharacterRequest(v: BuilderValues): CharacterFields {
  const variant = v['voice.espeak.variant'].trim();
  return {
    name: v.name.trim(),
    tagline: v.tagline.trim(),
    description: v.description.trim(),
    persona: {
      background: v['persona.background'].trim(),
      traits: splitList(v['persona.traits']),
      interests: splitList(v['persona.interests']),
      tone: v['persona.tone'].trim(),
      speakingStyle: v['persona.speakingStyle'].trim(),
    },
    greeting: v.greeting.trim(),
    alternateGreetings: splitList(v.alternateGreetings, /\n/),
    exampleDialogue: v.exampleDialogue.trim(),
    talkativeness: v.talkativeness,
    tags: splitList(v.tags).map((t) => t.toLowerCase()),
    visibility: v.visibility,
    avatarUrl: v.avatarUrl,
    voice: {
      openai: { voice: v['voice.openai.voice'].trim(), ...optionalNumber('speed', v['voice.openai.speed']) },
      elevenlabs: {
        voiceId: v['voice.elevenlabs.voiceId'].trim(),
        ...optionalNumber('stability', v['voice.elevenlabs.stability']),
        ...optionalNumber('similarity', v['voice.elevenlabs.similarity']),
        ...optionalNumber('speed', v['voice.elevenlabs.speed']),
      },
      espeak: {
        voice: v['voice.espeak.voice'].trim(),
        ...(variant === '' ? {} : { variant }),
        rate: toNumber(v['voice.espeak.rate']),
        pitch: toNumber(v['voice.espeak.pitch']),
      },
    },
  };
}

const fieldNames = new Set<string>(Object.keys(emptyBuilderValues));

/** A list position in a path: a number from zod, a string of digits from the API's JSON. */
const isIndex = (p: PropertyKey | undefined): boolean =>
  typeof p === 'number' || (typeof p === 'string' && /^\d+$/.test(p));

/** The form field a schema issue's path points into: `['persona', 'traits', 2]` → `persona.traits`. */
export function fieldOfPath(path: ReadonlyArray<PropertyKey>): BuilderField | '' {
  const key = path.filter((p) => typeof p === 'string' && !isIndex(p)).join('.');
  return fieldNames.has(key) ? (key as BuilderField) : '';
}

interface Issue {
  path: ReadonlyArray<PropertyKey>;
  code?: string;
  message: string;
  minimum?: unknown;
  maximum?: unknown;
  origin?: string;
}

/**
 * Words for one issue, plainer than zod's (`Too small: expected string to have >=1 characters`).
 * The API's issues carry no bounds; their own message is kept.
 */
export function issueMessage(issue: Issue): string {
  const entry = isIndex(issue.path.at(-1));
  const bound =
    issue.code === 'too_small' ? issue.minimum : issue.code === 'too_big' ? issue.maximum : undefined;
  if (issue.code === 'invalid_type' && issue.origin === undefined && issue.message.includes('number'))
    return 'Enter a number.';
  if (bound === undefined) return issue.message;
  const n = String(bound);
  let text: string;
  if (issue.code === 'too_small') {
    if (issue.origin === 'array') text = `add at least ${n}.`;
    else if (issue.origin === 'string')
      text = n === '1' ? (entry ? 'cannot be empty.' : 'required.') : `needs at least ${n} characters.`;
    else text = `must be at least ${n}.`;
  } else {
    if (issue.origin === 'array') text = `at most ${n}.`;
    else if (issue.origin === 'string') text = `must be at most ${n} characters.`;
    else text = `must be at most ${n}.`;
  }
  if (entry) return `Each entry ${text}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Issues → one message per field (the first issue of each wins). */
export function fieldErrorsOf(issues: readonly Issue[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = fieldOfPath(issue.path);
    if (errors[field] === undefined) errors[field] = issueMessage(issue);
  }
  return errors;
}

/** The form's errors by the contract's schema; empty when the request would be accepted. */
export function validateBuilder(v: BuilderValues): FieldErrors {
  const result = CreateCharacterRequest.safeParse(toCharacterRequest(v));
  return result.success ? {} : fieldErrorsOf(result.error.issues);
}

/** Field errors from a `validation_failed` answer's `details.issues`, if it has them. */
export function serverFieldErrors(details: unknown): FieldErrors {
  if (typeof details !== 'object' || details === null) return {};
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return {};
  return fieldErrorsOf(
    issues.filter(
      (i): i is Issue =>
        typeof i === 'object' &&
        i !== null &&
        Array.isArray((i as Issue).path) &&
        typeof (i as Issue).message === 'string',
    ),
  );
}

/** Whether two voices say the same, whatever the order of their keys (jsonb reorders them). */
export function sameVoice(a: CharacterFields['voice'], b: CharacterFields['voice']): boolean {
  return (
    a.openai.voice === b.openai.voice &&
    a.openai.speed === b.openai.speed &&
    a.elevenlabs.voiceId === b.elevenlabs.voiceId &&
    a.elevenlabs.stability === b.elevenlabs.stability &&
    a.elevenlabs.similarity === b.elevenlabs.similarity &&
    a.elevenlabs.speed === b.elevenlabs.speed &&
    a.espeak.voice === b.espeak.voice &&
    (a.espeak.variant ?? '') === (b.espeak.variant ?? '') &&
    a.espeak.rate === b.espeak.rate &&
    a.espeak.pitch === b.espeak.pitch
  );
}
