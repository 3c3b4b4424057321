import { CardError } from './errors.ts';
import type { CardSpec } from './types.ts';

// What the card formats say, in one place: how a parsed JSON value is recognised as a V1, V2 or V3
// card, which fields of it Troupe owns, and the derivations that import and export must agree on.

export type JsonObject = Record<string, unknown>;

/** A recognised card: V1 keeps its fields at the top level, so there `data` is `top` itself. */
export interface CardObject {
  spec: CardSpec;
  top: JsonObject;
  data: JsonObject;
}

/** TavernAI's flat fields; V2 and V3 cards exported by SillyTavern repeat them at the top level. */
export const V1_FIELDS = [
  'name',
  'description',
  'personality',
  'scenario',
  'first_mes',
  'mes_example',
] as const;

/** Fields of `data` that the draft owns and export rewrites; all other fields are carried from `raw`. */
export const OWNED_DATA_FIELDS = [
  ...V1_FIELDS,
  'creator_notes',
  'system_prompt',
  'alternate_greetings',
  'tags',
  'creator',
] as const;

/** SillyTavern's default talkativeness, used when a card states none. */
export const DEFAULT_TALKATIVENESS = 0.5;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * Recognises a parsed JSON value as a card. A `spec` decides; without one, an object with a `name`
 * or any other V1 field is a V1 card. `spec_version` may be missing (some writers drop it), and
 * any 2.x or 3.x is accepted because the V3 spec asks readers to accept minor versions.
 */
export function identifyCard(value: unknown, where: string): CardObject {
  if (!isJsonObject(value))
    throw new CardError('no_card', `${where} is not a character card: it is not an object`);
  if (!Object.hasOwn(value, 'spec')) {
    if (!V1_FIELDS.some((f) => Object.hasOwn(value, f)))
      throw new CardError('no_card', `${where} is not a character card: it has no spec and no name`);
    return { spec: 'v1', top: value, data: value };
  }
  const { spec, spec_version: version } = value;
  const major = spec === 'chara_card_v2' ? '2' : spec === 'chara_card_v3' ? '3' : undefined;
  if (major === undefined)
    throw new CardError(
      'wrong_spec',
      `${where} has spec ${JSON.stringify(typeof spec === 'string' ? spec.slice(0, 40) : typeof spec)}, not chara_card_v2 or chara_card_v3`,
    );
  if (version !== undefined && !new RegExp(`^${major}(\\.\\d+)?$`).test(String(version)))
    throw new CardError('wrong_spec', `${where} is ${spec} but its spec_version is not ${major}.x`);
  if (!isJsonObject(value.data))
    throw new CardError('invalid_card', `${where} is ${spec} but has no data object`);
  return { spec: major === '2' ? 'v2' : 'v3', top: value, data: value.data };
}

/**
 * JSON.parse that throws CardError. Every card's text comes through here (a JSON file, a PNG chunk,
 * a .charx card.json), so this is the one place a NUL is refused (`bad_text`): Postgres stores
 * none in text or jsonb, and would answer the insert with an error.
 */
export function parseJson(text: string, where: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    // The parser's own message quotes the input; ours names only where it was.
    throw new CardError('bad_json', `${where} is not valid JSON`, { cause: err });
  }
  // JSON can only spell a NUL as the escape \u0000 (a raw one is a syntax error), so text without
  // that escape needs no walk.
  if (text.includes('\\u0000') && holdsNul(value))
    throw new CardError('bad_text', `${where} holds a NUL character (\\u0000), which cannot be stored`);
  return value;
}

/** Whether any string or key in `value` holds a NUL. Iterative: a card may nest deeper than the stack. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (v.includes('\0')) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if (key.includes('\0')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** The persona background import derives when Troupe stored none; export stores one only if it differs. */
export function deriveBackground(description: string, personality: string, scenario: string): string {
  const parts = [description.trim()];
  if (personality.trim()) parts.push(`Personality: ${personality.trim()}`);
  if (scenario.trim()) parts.push(`Scenario: ${scenario.trim()}`);
  return parts.filter((p) => p !== '').join('\n\n');
}

/**
 * SillyTavern's `extensions.talkativeness`, which it writes as a number or a numeric string;
 * undefined when absent or outside 0–1.
 */
export function sillyTavernTalkativeness(extensions: JsonObject | undefined): number | undefined {
  const value = extensions?.talkativeness;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/**
 * Which field of a lorebook entry holds its title. The V2 spec has `name`; SillyTavern leaves it
 * out and writes `comment`. Import reads `name`, then `comment`; export writes back to the same one.
 */
export function entryTitleField(entry: JsonObject): 'name' | 'comment' {
  return !isNonEmptyString(entry.name) && isNonEmptyString(entry.comment) ? 'comment' : 'name';
}

/** A copy without `keys`. Built with object spread, so a `__proto__` key stays plain data. */
export function omit(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}
