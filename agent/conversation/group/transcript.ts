import { llm } from '@livekit/agents';
import type { Character } from '../../../protocol/index.ts';
import { personaInstructions } from '../persona.ts';

/** One utterance everyone in the room heard: a person's final transcript or a character's heard reply. */
export interface SharedLine {
  /** Human identity or character id. */
  speaker: string;
  name: string;
  role: 'human' | 'character';
  text: string;
}

export interface GroupTranscriptOptions {
  /** Lines kept for the characters' context; older ones are dropped. @defaultValue 40 */
  maxLines: number;
}

export const defaultGroupTranscriptOptions: GroupTranscriptOptions = { maxLines: 40 };

/**
 * The conversation of a group room as every character knows it. Characters never listen to each
 * other's audio: what another character said reaches them from here, as the part that was heard.
 */
export class GroupTranscript {
  readonly #o: GroupTranscriptOptions;
  #lines: SharedLine[] = [];

  constructor(opts: Partial<GroupTranscriptOptions> = {}) {
    this.#o = { ...defaultGroupTranscriptOptions, ...opts };
  }

  get lines(): readonly SharedLine[] {
    return this.#lines;
  }

  add(line: SharedLine): void {
    const text = line.text.replace(/\s+/g, ' ').trim();
    if (!text) return;
    this.#lines = [...this.#lines, { ...line, text }].slice(-this.#o.maxLines);
  }

  /**
   * The conversation from one character's seat: its own lines as the assistant's, everyone else's
   * as user messages prefixed with the speaker's name (so the model, and the offline brain, can tell
   * people and characters apart). Consecutive lines of others stay separate messages: merging them
   * would hide who said what.
   */
  chatContextFor(characterId: string): llm.ChatContext {
    const ctx = llm.ChatContext.empty();
    for (const line of this.#lines) {
      if (line.role === 'character' && line.speaker === characterId)
        ctx.addMessage({ role: 'assistant', content: line.text });
      else ctx.addMessage({ role: 'user', content: `${line.name}: ${line.text}` });
    }
    return ctx;
  }
}

/** The system prompt of one character in a group: its persona and the room it is in. */
export function groupInstructions(character: Character, cast: readonly Character[]): string {
  const others = cast.filter((c) => c.id !== character.id);
  return [
    personaInstructions(character),
    'This is a live voice conversation with several people and other characters:',
    ...others.map((c) => `- ${c.name}: ${c.tagline}`),
    'Lines from others come as "Name: what they said". Speak only as yourself, never for anyone',
    'else, and never start your reply with your own name. Keep it short: others are waiting.',
  ].join('\n');
}
