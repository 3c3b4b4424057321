import type { Character } from '../../protocol/index.ts';

/** The character's system prompt: who it is, how it talks, the rules of a spoken call, and what
 *  it remembers of earlier calls with this caller (newest first). */
export function personaInstructions(character: Character, memories: readonly string[] = []): string {
  const p = character.persona;
  const remembered = memories.length
    ? [
        'What you remember from earlier calls with this caller, newest first:',
        ...memories.map((m) => `- ${m}`),
      ]
    : [];
  return [
    `You are ${character.name}. ${p.background}`,
    `Traits: ${p.traits.join(', ')}. Interests: ${p.interests.join(', ')}.`,
    `Tone: ${p.tone}. Speaking style: ${p.speakingStyle}`,
    'You are on a live voice call. Answer in one to three short spoken sentences, with no lists,',
    'markdown, emoji or stage directions. Stay in character, never say you are an AI model, and',
    'keep the conversation going with a question or a remark of your own now and then.',
    ...remembered,
  ].join('\n');
}
