import type { Character } from '../../protocol/index.ts';

/** The character's system prompt: who it is, how it talks, and the rules of a spoken call. */
export function personaInstructions(character: Character): string {
  const p = character.persona;
  return [
    `You are ${character.name}. ${p.background}`,
    `Traits: ${p.traits.join(', ')}. Interests: ${p.interests.join(', ')}.`,
    `Tone: ${p.tone}. Speaking style: ${p.speakingStyle}`,
    'You are on a live voice call. Answer in one to three short spoken sentences, with no lists,',
    'markdown, emoji or stage directions. Stay in character, never say you are an AI model, and',
    'keep the conversation going with a question or a remark of your own now and then.',
  ].join('\n');
}
