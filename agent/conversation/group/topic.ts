import type { TopicCue } from './floor.ts';

/**
 * Reply instructions for a turn that brings up a topic (`SpeakPlan.topic`): the persona itself is
 * already in the character's instructions; this says what to talk about and what chat said.
 */
export function topicInstructions(topic: TopicCue): string {
  const parts: string[] = [];
  if (topic.source === 'notice') parts.push(topic.text ?? 'React to what just happened in chat.');
  else if (topic.text)
    parts.push(`Nobody is talking to you right now. Bring up this topic in your own way: ${topic.text}.`);
  else parts.push('Nobody is talking to you right now. Bring up something you care about, in your own way.');
  if (topic.recentChat.length > 0)
    parts.push(`Recent chat, which you may pick up on:\n${topic.recentChat.join('\n')}`);
  parts.push('Keep it short and speak to the audience.');
  return parts.join('\n');
}
