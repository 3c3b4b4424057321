import type { Character } from '../../protocol/index.ts';

/**
 * The offline persona brain's reply policy as a pure function: conversation in, one to three short
 * spoken sentences out. Deterministic: the same character and conversation give the same reply.
 */

/** One message of the conversation, oldest first; only user and assistant turns matter here. */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

export type Intent =
  | 'opening'
  | 'goodbye'
  | 'thanks'
  | 'introduction'
  | 'user-name'
  | 'name'
  | 'wellbeing'
  | 'likes'
  | 'favourite'
  | 'story'
  | 'greeting'
  | 'topic'
  | 'follow-up';

/** What the brain replies and why (the intent is logged, the text is not). */
export interface Reply {
  text: string;
  intent: Intent;
}

const GREETING = /^(hi|hello|hey|hiya|howdy|greetings|yo|good (morning|afternoon|evening|day))\b/;

const INTENT_PATTERNS: Array<[Exclude<Intent, 'opening' | 'topic' | 'follow-up'>, RegExp]> = [
  [
    'goodbye',
    /\b(good ?bye|bye|see you|see ya|good night|talk (to you )?later|gotta go|have to go|farewell)\b/,
  ],
  ['thanks', /\b(thanks|thank you|cheers|appreciate it|much obliged)\b/],
  ['user-name', /\b(what's my name|what is my name|whats my name|who am i|remember my name|remember me)\b/],
  ['introduction', /\b(my name is|my name's|call me|i am called|i'm called)\b/],
  ['name', /\b(your name|who are you|who is this|who's this|what are you called|introduce yourself)\b/],
  [
    'wellbeing',
    /\b(how are you|how're you|how are things|how's it going|how is it going|how do you feel|how have you been|you doing|you okay|you ok)\b/,
  ],
  ['story', /\b(story|stories|tale)\b/],
  ['favourite', /\byour favou?rite [a-z]+/],
  [
    'likes',
    /\b(do you (like|love|enjoy)|you like to do|your (favou?rite|hobby|hobbies|interests|passion)|for fun|about yourself|are you into|you care about)\b/,
  ],
  ['greeting', GREETING],
];

const QUESTION_START =
  /^(what|what's|whats|how|why|when|where|who|which|can|could|would|will|do|does|did|is|are|should|tell me|explain|have you)\b/;

const STOP_WORDS = new Set(
  [
    'a an the and or but so if then than to of in on at by for with about from into over under up down out',
    'i me my mine myself you your yours yourself we us our they them their he him his she her it its',
    'this that these those there here what whats who whom which when where why how',
    'is am are was were be been being do does did doing done have has had having',
    'can could would should will shall may might must not no yes yeah ok okay oh ah um uh hmm well',
    'just really very quite also too some any all much many more most lot lots',
    'tell told say said know think thought like liked want wanted talk talking let lets',
    'get got go going went make made see saw look take give need feel felt mean please maybe',
    'today tonight tomorrow yesterday now thing things something anything everything stuff kind sort bit',
    'one ones favorite favourite hello hi hey detail details thanks thank bye goodbye',
    'wait stop help question questions ask asking sure',
    "i'm you're it's that's don't can't won't i've i'd i'll you've let's what's",
  ]
    .join(' ')
    .split(' '),
);

// Register of voice for openers and punctuation, from the words of the persona's tone and traits.
const REGISTERS: Array<[RegExp, string[]]> = [
  [/bubbl|excit|zipp|enthusias|hyper|booming|jovial|goofy|theatrical|boisterous/, ['Ooh!', 'Oh wow!', 'Ha!']],
  [/hesita|anxious|wonder|tender|earnest/, ['Oh, um,', 'Well, I suppose', 'Hm, let me think.']],
  [
    /deadpan|dry|wry|crisp|blunt|gruff|laconic|sarcas|measured|exacting|stoic|grump/,
    ['Well.', 'Hm.', 'Right.'],
  ],
  [/warm|sunny|cosy|cozy|affection|soothing|kind|mellow|gentle|relaxed/, ['Oh,', 'Ah,', 'Mm,']],
];

/** FNV-1a, 32 bit: a stable seed from (conversation length, last message). */
export function seedOf(turnCount: number, lastMessage: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${turnCount}|${lastMessage}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Words of a message, lower-cased, apostrophes kept. */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

/** The message's key nouns, in order: content words with stop words and question words removed. */
export function keyWords(text: string, max = 3): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const w of wordsOf(text)) {
    // Over 20 letters is not a word anyone says; echoing it would make a very long sentence.
    if (w.length < 3 || w.length > 20 || STOP_WORDS.has(w) || seen.has(w)) continue;
    seen.add(w);
    out.push(w);
  }
  return out.slice(-max);
}

export function detectIntent(text: string): Exclude<Intent, 'opening'> {
  const t = wordsOf(text).join(' ');
  for (const [intent, pattern] of INTENT_PATTERNS) if (pattern.test(t)) return intent;
  if (text.includes('?') || QUESTION_START.test(t)) return 'topic';
  return keyWords(text).length > 0 ? 'topic' : 'follow-up';
}

/** The name the user gave earlier in the conversation ("my name is Sam", "call me Sam"). */
export function userNameFrom(turns: readonly Turn[]): string | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role !== 'user') continue;
    const m = /\b(?:my name is|my name's|call me|i am called|i'm called)\s+([A-Za-z][A-Za-z'-]{1,30})/i.exec(
      turn.text,
    );
    if (m?.[1]) return m[1][0]!.toUpperCase() + m[1].slice(1).toLowerCase();
  }
  return undefined;
}

const HONORIFIC = /^(captain|capt|dr|doctor|mr|mrs|ms|miss|professor|prof|sir|dame|lady|lord)\.?\s+/i;
const firstName = (name: string): string => name.replace(HONORIFIC, '').split(' ')[0] || name;
// After an opener such as "Ooh!" the template's next word starts a new sentence.
const sentenceCase = (text: string): string =>
  text.replace(/([.!?]\s+)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
const lowerFirst = (text: string, name: string): string =>
  /^(I|I'm|I've|I'd|I'll)\b/.test(text) || text.startsWith(name)
    ? text
    : text[0]!.toLowerCase() + text.slice(1);
const capitalize = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
const pick = <T>(items: readonly T[], seed: number): T => items[seed % items.length]!;

interface Slots {
  name: string;
  first: string;
  interest: string;
  interest2: string;
  trait: string;
  opener: string;
  topic: string;
  /** The noun after "your favourite" ("thing" when there is none). */
  favourite: string;
  you: string;
}

type Template = (s: Slots) => string;

const TEMPLATES: Record<Exclude<Intent, 'opening'>, Template[]> = {
  greeting: [
    (s) => `${s.opener} Hello${s.you}! It's ${s.first}. What's on your mind today?`,
    (s) => `Hello, hello${s.you}! Lovely to hear from you. How's your day going?`,
    (s) => `Hi there${s.you}. I was just thinking about ${s.interest}. What have you been up to?`,
  ],
  name: [
    (s) => `I'm ${s.name}. I'm a bit ${s.trait}, and I could talk about ${s.interest} all day.`,
    (s) => `The name's ${s.name}. Ask me about ${s.interest} or ${s.interest2} sometime.`,
    (s) => `${s.opener} I'm ${s.first}. And who am I talking to?`,
  ],
  introduction: [
    (s) => `Lovely to meet you${s.you}! I'm ${s.first}.`,
    (s) => `${s.opener} nice to meet you${s.you}. What shall we talk about?`,
  ],
  'user-name': [
    (s) => (s.you ? `You're${s.you.replace(',', '')}, of course. I don't forget a name.` : ''),
    (s) => (s.you ? '' : `You haven't told me your name yet. What should I call you?`),
  ],
  wellbeing: [
    (s) => `${s.opener} I'm doing well, thanks for asking. I've been busy with ${s.interest}. How about you?`,
    (s) => `Not bad at all${s.you}. A bit of ${s.interest} always keeps me going. And you?`,
    (s) => `Can't complain. ${capitalize(s.interest)} has kept me out of trouble today. How are you?`,
  ],
  likes: [
    (s) => `${s.opener} I love ${s.interest}, and ${s.interest2} too. What do you enjoy?`,
    (s) => `Mostly ${s.interest}, if I'm honest. ${capitalize(s.interest2)} comes a close second.`,
    (s) => (s.topic !== 'that' ? `${capitalize(s.topic)}? I do, though not as much as ${s.interest}.` : ''),
  ],
  favourite: [
    (s) => `My favourite ${s.favourite}? It would have to be something to do with ${s.interest}.`,
    (s) => `${s.opener} a favourite ${s.favourite}. Anything about ${s.interest}, really. What's yours?`,
  ],
  story: [
    (s) =>
      `${s.opener} I've got one. I once spent a whole day on ${s.interest}, and somehow it turned into ${s.interest2} by teatime. ${capitalize(s.trait)} as I am, I wouldn't change a thing.`,
    (s) =>
      `Here's a good one. Years ago I got so carried away with ${s.interest} that I forgot to eat. People still tease me about it, and about ${s.interest2} too.`,
  ],
  thanks: [
    (s) => `You're very welcome${s.you}. Anything else on your mind?`,
    () => `Any time, truly. That's what I'm here for.`,
    (s) => `${s.opener} my pleasure. Now, where were we?`,
  ],
  goodbye: [
    (s) => `Goodbye for now${s.you}! It was lovely talking with you.`,
    (s) => `Take care, and come back soon. ${s.first} will be right here.`,
    () => `Off you go, then. Talk soon!`,
  ],
  topic: [
    (s) => `${s.opener} ${capitalize(s.topic)}, that's a good one. What got you thinking about ${s.topic}?`,
    (s) => `${capitalize(s.topic)}? Tell me more. I'm more of a ${s.interest} person, but I'm curious.`,
    (s) => `Hmm, ${s.topic}. It reminds me of ${s.interest}, somehow. What do you make of it?`,
  ],
  'follow-up': [
    (s) =>
      `${s.opener} Speaking of which, do you know much about ${s.interest}? It's one of my favourite things.`,
    (s) => `You know, I've been thinking about ${s.interest} all day. Do you have a hobby like that?`,
    (s) => `Mm-hm. Tell me more${s.you}. Or shall I tell you about ${s.interest}?`,
  ],
};

function slotsFor(character: Character, seed: number, lastUser: string, userName: string | undefined): Slots {
  const p = character.persona;
  const voiceWords = `${p.tone} ${p.traits.join(' ')}`.toLowerCase();
  const openers = REGISTERS.find(([re]) => re.test(voiceWords))?.[1] ?? ['Well,', 'Oh,', 'Ah,'];
  const interest = pick(p.interests, seed >>> 3);
  const others = p.interests.filter((i) => i !== interest);
  const favourite = /\bfavou?rite\s+([a-z]+)/i.exec(lastUser)?.[1]?.toLowerCase() ?? 'thing';
  // One noun echoes better than a run of them; English tends to put the object last.
  const noun = keyWords(lastUser).at(-1);
  return {
    name: character.name,
    first: firstName(character.name),
    interest,
    interest2: others.length ? pick(others, seed >>> 7) : interest,
    trait: pick(p.traits, seed >>> 11),
    opener: pick(openers, seed >>> 5),
    topic: noun ?? 'that',
    favourite,
    you: userName ? `, ${userName}` : '',
  };
}

/** Spoken replies stay at one to three sentences: interjections ("Hm.") go first, then the tail. */
function atMostThreeSentences(text: string): string {
  const parts = text.split(/(?<=[.!?])\s+/);
  while (parts.length > 3 && (parts[0]?.split(' ').length ?? 0) <= 2) parts.shift();
  return parts.slice(0, 3).join(' ');
}

const PREFIXABLE = new Set<Intent>(['name', 'wellbeing', 'likes', 'story', 'topic', 'follow-up']);

/**
 * The reply to the latest user turn; `memory` carries what earlier calls taught (the caller's
 * name). Variation comes from a hash of (conversation length, last
 * user message); a line equal to the previous assistant turn is skipped, so it never says the
 * same thing twice in a row.
 */
export function composeReply(
  character: Character,
  turns: readonly Turn[],
  memory: { callerName?: string } = {},
): Reply {
  const lastUser = [...turns].reverse().find((t) => t.role === 'user');
  if (!lastUser) return { text: character.greeting, intent: 'opening' };
  const lastAssistant = [...turns]
    .reverse()
    .find((t) => t.role === 'assistant')
    ?.text.trim();
  const userName = userNameFrom(turns) ?? memory.callerName;
  // Asked to speak again with no new user turn (e.g. generateReply after its own line): move the
  // conversation on instead of answering the old question twice.
  let intent = turns.at(-1)?.role === 'assistant' ? 'follow-up' : detectIntent(lastUser.text);
  // A caller's first hello gets the character's own greeting, unless it already opened the call.
  if (intent === 'greeting' && !turns.some((t) => t.role === 'assistant')) {
    return { text: character.greeting, intent: 'opening' };
  }
  if (intent === 'topic' && keyWords(lastUser.text).length === 0) intent = 'follow-up';
  const seed = seedOf(turns.length, turns.at(-1)!.text);
  // "hello, how are you" answers the question but says hello first, in place of an interjection.
  const greetingPrefix =
    PREFIXABLE.has(intent) && turns.at(-1) === lastUser && GREETING.test(wordsOf(lastUser.text).join(' '));
  const slots = slotsFor(character, seed, lastUser.text, userName);
  if (greetingPrefix) slots.opener = '';
  const templates = TEMPLATES[intent];
  for (let i = 0; i < templates.length; i++) {
    const line = pick(
      templates,
      seed + i,
    )(slots)
      .replace(/\s+/g, ' ')
      .trim();
    let text = capitalize(sentenceCase(line));
    if (!text) continue;
    if (greetingPrefix && !/^(hello|hi)\b/i.test(text)) {
      text = `Hello${slots.you}, ${lowerFirst(text, slots.first)}`;
    }
    text = atMostThreeSentences(text);
    if (text !== lastAssistant) return { text, intent };
  }
  return { text: `${slots.opener} Tell me more about that.`.trim(), intent: 'follow-up' };
}
