// `POST /api/characters/generate`: a draft character from a description, written by the configured
// LLM when there is one and by the offline generator otherwise. The LLM is asked for JSON and its
// answer is checked field by field: a bad field gets the offline draft's value (and a note), an
// answer with nothing usable falls back to the offline draft entirely. Nothing is saved.
import { llm } from '@livekit/agents';
import { z } from 'zod';
import {
  CharacterTags,
  CreateCharacterRequest,
  Persona,
  Talkativeness,
  type GenerateCharacterResponse,
  type GeneratedDraft,
} from '../../protocol/index.ts';
import { ensureFrameworkLogger } from '../../speech/framework-logger.ts';
import { createOpenAILLM, endpointFor } from '../../speech/openai/index.ts';
import type { ProviderOptions } from '../../speech/options.ts';
import { offlineCharacter, voiceFromHints, type VoiceHints } from './offline-character.ts';

export interface CharacterGeneratorOptions {
  /** The providers of this server; an LLM is used when one is configured (`LLM_*` or `OPENAI_*`). */
  providers: ProviderOptions;
  /** How long the LLM may take before the offline draft is used instead. @defaultValue 30000 */
  llmTimeoutMs: number;
}

const INSTRUCTIONS = [
  "You design characters for a voice chat app. From the user's description, answer with one JSON",
  'object and nothing else, with these keys:',
  'name (string, max 80), tagline (one line, max 200), greeting (what the character says first, max',
  '300), persona (object: background (2-4 sentences), traits (3-6 short adjectives), interests (3-6',
  'short phrases), tone (a few words), speakingStyle (one or two sentences on how they talk)),',
  'description (a paragraph), alternateGreetings (1-2 strings), exampleDialogue (two lines in the',
  'form "{{user}}: …\\n{{char}}: …"), tags (3-6 lowercase words), talkativeness (0 to 1: how readily',
  'they speak up in a group), voice (object: gender "female"|"male"|"neutral", accent (an English',
  'accent such as american, british, scottish, caribbean), pace "slow"|"medium"|"fast", pitch',
  '"low"|"medium"|"high"). Spoken replies are short: keep the greeting to one or two sentences.',
].join(' ');

/** The parts of the LLM's answer checked one by one; each falls back to the offline draft's value. */
const fields = {
  name: z.string().trim().min(1).max(80),
  tagline: z.string().trim().min(1).max(200),
  greeting: z.string().trim().min(1).max(1000),
  persona: Persona,
  description: z.string().max(20_000),
  alternateGreetings: z.array(z.string().trim().min(1).max(4000)).max(50),
  exampleDialogue: z.string().max(20_000),
  tags: CharacterTags,
  talkativeness: Talkativeness,
} as const;
const LlmVoice = z.object({
  gender: z.enum(['female', 'male', 'neutral']).catch('neutral'),
  accent: z.string().max(40).catch('american'),
  pace: z.enum(['slow', 'medium', 'fast']).catch('medium'),
  pitch: z.enum(['low', 'medium', 'high']).catch('medium'),
});

export class CharacterGenerator {
  readonly #opts: CharacterGeneratorOptions;
  #model: llm.LLM | undefined | null = null;

  constructor(opts: Partial<CharacterGeneratorOptions> & Pick<CharacterGeneratorOptions, 'providers'>) {
    this.#opts = { llmTimeoutMs: 30_000, ...opts };
  }

  /** The configured LLM, built on first use; undefined when none is configured. */
  get model(): llm.LLM | undefined {
    if (this.#model === null) {
      const endpoint = endpointFor(this.#opts.providers, 'llm');
      if (endpoint) ensureFrameworkLogger();
      this.#model = endpoint && createOpenAILLM(endpoint, this.#opts.providers.llm.model);
      // The framework reports failures on the instance too; with no listener EventEmitter would throw.
      this.#model?.on('error', () => {});
    }
    return this.#model;
  }

  async generate(description: string): Promise<GenerateCharacterResponse> {
    const offline = offlineCharacter(description);
    const model = this.model;
    if (!model)
      return { draft: offline, source: 'offline', notes: ['no LLM is configured: drafted offline'] };
    let answer: string;
    try {
      answer = await this.#ask(model, description);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { draft: offline, source: 'offline', notes: [`the LLM failed (${why}): drafted offline`] };
    }
    return repairDraft(answer, offline, description);
  }

  async #ask(model: llm.LLM, description: string): Promise<string> {
    const chatCtx = llm.ChatContext.empty();
    chatCtx.addMessage({ role: 'system', content: INSTRUCTIONS });
    chatCtx.addMessage({ role: 'user', content: description });
    const stream = model.chat({
      chatCtx,
      extraKwargs: { response_format: { type: 'json_object' } },
      connOptions: { maxRetry: 1, retryIntervalMs: 500, timeoutMs: this.#opts.llmTimeoutMs },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stream.close();
    }, this.#opts.llmTimeoutMs);
    let text = '';
    try {
      for await (const chunk of stream) text += chunk.delta?.content ?? '';
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new Error(`no answer within ${this.#opts.llmTimeoutMs} ms`);
    if (!text.trim()) throw new Error('empty answer');
    return text;
  }
}

/**
 * The draft from the LLM's answer: each valid field kept, each invalid or missing one taken from
 * the offline draft and noted. Falls back to the offline draft when the answer is not a JSON object
 * or none of its main fields (name, persona, greeting) is usable.
 */
export function repairDraft(
  answer: string,
  offline: GeneratedDraft,
  description: string,
): GenerateCharacterResponse {
  const json = parseJsonObject(answer);
  if (!json)
    return {
      draft: offline,
      source: 'offline',
      notes: ['the LLM did not answer with a JSON object: drafted offline'],
    };
  const notes: string[] = [];
  const draft: Record<string, unknown> = { ...offline };
  const kept: string[] = [];
  for (const [key, schema] of Object.entries(fields)) {
    const parsed = schema.safeParse(json[key]);
    if (parsed.success) {
      draft[key] = parsed.data;
      kept.push(key);
    } else notes.push(`${key} ${json[key] === undefined ? 'was missing' : 'was invalid'}: filled in offline`);
  }
  if (!kept.some((k) => k === 'name' || k === 'persona' || k === 'greeting'))
    return {
      draft: offline,
      source: 'offline',
      notes: ["the LLM's answer had no usable name, persona or greeting: drafted offline"],
    };
  const voice = LlmVoice.safeParse(json.voice);
  if (voice.success)
    draft.voice = voiceFromHints(
      voice.data as VoiceHints,
      offline.voice.espeak.rate + offline.voice.espeak.pitch,
    );
  else notes.push('voice was missing or invalid: chosen offline');
  if (!draft.description) draft.description = description.slice(0, 20_000);
  const valid = CreateCharacterRequest.safeParse(draft);
  if (!valid.success)
    return {
      draft: offline,
      source: 'offline',
      notes: ["the LLM's draft did not validate: drafted offline"],
    };
  return { draft: valid.data, source: 'llm', notes };
}

/** The first JSON object in the text (models sometimes wrap it in a code fence); undefined if none. */
function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(start, end + 1));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
