import { describe, expect, it } from 'vitest';
import { testCharacter as character } from './fixtures/character.ts';
import { composeReply, detectIntent, keyWords, seedOf, type Turn } from './persona-replies.ts';

const opened: Turn = { role: 'assistant', text: character.greeting };
const ask = (text: string, history: Turn[] = [opened]) =>
  composeReply(character, [...history, { role: 'user', text }]);
const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter(Boolean);
const mentionsInterest = (text: string) => character.persona.interests.some((i) => text.includes(i));

describe('composeReply', () => {
  it('when nobody has spoken yet, or the caller says hello first, then the character greets with its own greeting', () => {
    expect(composeReply(character, []).text).toBe(character.greeting);
    expect(composeReply(character, [{ role: 'user', text: 'Hello!' }]).text).toBe(character.greeting);
  });

  it('when the caller greets after the opening, then the reply is a greeting in character', () => {
    const reply = ask('hi there');
    expect(reply.intent).toBe('greeting');
    expect(reply.text).toMatch(/\b(hello|hi)\b/i);
  });

  it('when asked about the character, then it answers with its name, its interests, or how it is', () => {
    expect(ask('what is your name?').text).toMatch(/Rosa/);
    expect(mentionsInterest(ask('what do you like to do?').text)).toBe(true);
    const howAreYou = ask('hello, how are you?');
    expect(howAreYou.intent).toBe('wellbeing');
    expect(howAreYou.text).toMatch(/^Hello/);
    expect(ask('what is your favorite book?').text).toMatch(/\bbook\b/);
  });

  it("when the caller brings up a topic, then the reply echoes the topic's key noun", () => {
    expect(ask('tell me about the weather today').text.toLowerCase()).toContain('weather');
    expect(ask('can you help me with my homework?').text.toLowerCase()).toContain('homework');
    expect(keyWords('tell me about the weather today')).toEqual(['weather']);
  });

  it('when thanked or told goodbye, then it answers in kind', () => {
    expect(ask('thank you so much').intent).toBe('thanks');
    expect(ask('ok, bye for now').intent).toBe('goodbye');
    expect(ask('goodbye').text).toMatch(/bye|take care|talk soon/i);
  });

  it('when the caller says nothing it can use, then it follows up with one of its interests', () => {
    for (const text of ['yes', 'ok', '', '???', 'mm']) {
      const reply = ask(text);
      expect(reply.intent).toBe('follow-up');
      expect(mentionsInterest(reply.text)).toBe(true);
    }
  });

  it('when given the same conversation twice, then it gives the same reply', () => {
    const history: Turn[] = [
      opened,
      { role: 'user', text: 'I like sailing' },
      { role: 'assistant', text: 'Ah.' },
    ];
    expect(ask('what do you think about sailing?', history)).toEqual(
      ask('what do you think about sailing?', history),
    );
    expect(seedOf(3, 'x')).toBe(seedOf(3, 'x'));
    expect(seedOf(3, 'x')).not.toBe(seedOf(4, 'x'));
  });

  it('when its last line would come out again, then it says something else', () => {
    const first = ask('what do you like to do?');
    // Same seed as the first reply (same conversation length and message), but now that line is
    // what the character said last.
    const again = composeReply(character, [
      { role: 'assistant', text: first.text },
      { role: 'user', text: 'what do you like to do?' },
    ]);
    expect(again.text).not.toBe(first.text);
    expect(again.text).not.toBe('');
  });

  it('when the caller gave a name earlier, then it remembers it from the history', () => {
    const history: Turn[] = [
      opened,
      { role: 'user', text: 'My name is Sam.' },
      { role: 'assistant', text: 'Lovely to meet you, Sam!' },
      { role: 'user', text: 'tell me about boats' },
      { role: 'assistant', text: 'Boats? Tell me more.' },
    ];
    expect(ask('what is my name?', history).text).toContain('Sam');
    expect(ask('what is my name?').text).toMatch(/haven't told me/);
  });

  it('when asked to speak again with no new user turn, then it moves on instead of answering twice', () => {
    const answered = ask('what is your name?');
    const again = composeReply(character, [
      opened,
      { role: 'user', text: 'what is your name?' },
      { role: 'assistant', text: answered.text },
    ]);
    expect(again.intent).toBe('follow-up');
    expect(again.text).not.toBe(answered.text);
  });

  it('when fed odd input, then the reply is never empty and is one to three short sentences', () => {
    const odd = [
      '',
      ' ',
      '?',
      '!!!',
      'a'.repeat(5000),
      'ümlaut ñ 漢字',
      'the the the',
      '123 456',
      'hello '.repeat(100),
    ];
    for (const [i, text] of odd.entries()) {
      const history = Array.from({ length: i }, (_, k): Turn => ({
        role: k % 2 ? 'assistant' : 'user',
        text: `turn ${k}`,
      }));
      const reply = ask(text, [opened, ...history]);
      expect(reply.text.trim(), JSON.stringify(text)).not.toBe('');
      expect(sentences(reply.text).length).toBeLessThanOrEqual(3);
      expect(reply.text.length).toBeLessThan(260);
    }
  });

  it('when intents are detected, then questions about the character win over a leading hello', () => {
    expect(detectIntent('hello how are you')).toBe('wellbeing');
    expect(detectIntent('hello')).toBe('greeting');
    expect(detectIntent('who are you?')).toBe('name');
    expect(detectIntent('tell me a story')).toBe('story');
  });
});
