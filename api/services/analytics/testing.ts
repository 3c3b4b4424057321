// Synthetic transcripts for engagement tests and the benchmark: deterministic for a seed.
import { randomUUID } from 'node:crypto';
import type { messages } from '../../../db/schema.ts';
import type { EngagementTurn } from './tally.ts';

/** A small deterministic PRNG (mulberry32): the same seed gives the same transcripts. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PERSON_LINES = [
  'I love talking about old steam engines.',
  'Can you tell me about the harbour tonight?',
  'That story about the lighthouse was wonderful!',
  "I'm tired and my back hurts today.",
  'What happened to the dragon in the mountains?',
  'No, that is wrong, the train left at noon.',
  'My dog chased the neighbour’s cats again.',
  'Where did you learn about engines?',
  'Thanks, that was really helpful.',
  'I hate waiting for the bus in the rain.',
  'Let us plan a trip to the coast.',
  'How do gardens survive the winter?',
];
const REPLY_LINES = ['Of course.', 'Let me tell you about that.', 'Ah, a fine question.', 'Indeed it is.'];

export interface SyntheticSessionOptions {
  /** Characters who reply, in turn. */
  characters: readonly string[];
  /** Turns in all, replies included. */
  turns: number;
  start: Date;
  /** The person's identity on user turns. @defaultValue 'caller-test' */
  speaker?: string;
}

/**
 * A session's transcript: a character greets, then people and characters alternate with random
 * pauses (some longer than the follow-up window), a few barge-ins, chat lines and the odd
 * autonomous prompt; roughly half the turns are people's.
 */
export function syntheticTranscript(random: () => number, o: SyntheticSessionOptions): EngagementTurn[] {
  const turns: EngagementTurn[] = [];
  let t = o.start.getTime();
  for (let i = 0; i < o.turns; i++) {
    const character = o.characters[Math.floor(random() * o.characters.length)]!;
    const reply = i % 2 === 0;
    const lengthMs = 1000 + Math.floor(random() * 4000);
    const interrupted = reply && random() < 0.15;
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const source = reply ? 'voice' : random() < 0.1 ? 'chat' : random() < 0.05 ? 'autonomous' : 'voice';
    turns.push({
      id: randomUUID(),
      role: reply ? 'assistant' : 'user',
      speaker: reply ? character : (o.speaker ?? 'caller-test'),
      text: reply ? pick(REPLY_LINES) : pick(PERSON_LINES),
      interrupted,
      source,
      startedAt: new Date(t),
      endedAt: new Date(t + lengthMs),
    });
    // A barge-in starts before the reply ends; otherwise a pause, now and then past the window.
    t += interrupted ? lengthMs - 500 : lengthMs + (random() < 0.1 ? 45_000 : Math.floor(random() * 8000));
  }
  return turns;
}

/** The turn as a `messages` row of a session. */
export function messageRow(sessionId: string, t: EngagementTurn) {
  return {
    ...t,
    source: t.source as (typeof messages.$inferInsert)['source'],
    sessionId,
    speakerName: t.speaker,
    heardText: t.text,
  };
}
