import { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { loadAgentOptions } from '../config.ts';
import { ChatRouter } from './chat/router.ts';
import { Moderator } from './chat/moderation.ts';
import { broadcastModerationOptions, moderateSentences, speechModerator } from './speech-moderation.ts';

async function collect(chunks: string[], moderate: (s: string) => Promise<string>): Promise<string> {
  const source = new ReadableStream<string>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
  let out = '';
  for await (const chunk of moderateSentences(source, moderate))
    out += typeof chunk === 'string' ? chunk : '';
  return out;
}

describe('speech moderation', () => {
  const moderator = new Moderator({ blocklist: ['darn'] });
  const moderate = async (s: string) => moderator.moderateOutgoing(s).text;

  it('when a streamed reply has a blocked word or a link, then only that sentence is replaced, across chunk borders', async () => {
    const said = await collect(
      ['Hello the', 're! This is a da', 'rn shame. Visit evil', '.com/x today. Bye'],
      moderate,
    );
    expect(said).toBe("Hello there! Let's keep it friendly. Let's keep it friendly. Bye");
  });

  it('when a reply is clean, then it comes out word for word', async () => {
    expect(await collect(['Fine weather. ', 'Truly fine!'], moderate)).toBe('Fine weather. Truly fine!');
  });
});

// Regression: a fresh broadcast let characters swear on stream unless an operator typed a blocklist.
describe('broadcast word rules from the worker settings', () => {
  const REPLACED = "Let's keep it friendly.";
  it.each([
    ['a fresh worker', {}, 'What the fuck is that?', REPLACED],
    ['a fresh worker', {}, 'Scunthorpe is in England.', 'Scunthorpe is in England.'],
    ['a fresh worker', {}, 'My assistant has a class.', 'My assistant has a class.'],
    ['a fresh worker', {}, 'Ahoy, darn it.', 'Ahoy, darn it.'],
    ['CHAT_BLOCKLIST=darn', { CHAT_BLOCKLIST: 'darn' }, 'Ahoy, darn it.', REPLACED],
    ['CHAT_BLOCKLIST=darn', { CHAT_BLOCKLIST: 'darn' }, 'What the fuck is that?', REPLACED],
    [
      'CHAT_PROFANITY_FILTER=false',
      { CHAT_PROFANITY_FILTER: 'false' },
      'What the fuck is that?',
      'What the fuck is that?',
    ],
    [
      'CHAT_PROFANITY_FILTER=false, CHAT_BLOCKLIST=darn',
      { CHAT_PROFANITY_FILTER: 'false', CHAT_BLOCKLIST: 'darn' },
      'Ahoy, darn it.',
      REPLACED,
    ],
    ['CHAT_PROFANITY_FILTER=false', { CHAT_PROFANITY_FILTER: 'false' }, 'See evil.ai now.', REPLACED],
  ])('when %s has a character say "%s", then the stream hears "%s"', async (_who, env, said, heard) => {
    const { moderation } = loadAgentOptions(env);
    expect(await speechModerator(moderation)(said)).toBe(heard);
  });

  it.each([
    [{}, 'what the fuck', 'blocked'],
    [{}, 'Ada, is Scunthorpe nice?', 'queued'],
    [{ CHAT_PROFANITY_FILTER: 'false' }, 'Ada, what the fuck?', 'queued'],
    [{ CHAT_BLOCKLIST: 'darn' }, 'Ada, darn it', 'blocked'],
  ])('when chat comes in under %o saying "%s", then the router has it %s', (env, text, outcome) => {
    const router = new ChatRouter({
      characters: [{ id: 'ada', name: 'Ada Lovelace' }],
      moderation: broadcastModerationOptions(loadAgentOptions(env).moderation),
    });
    router.receive({ user: 'zed', displayName: 'Zed', text, tags: {}, at: 0 });
    expect(router.counters()).toMatchObject(outcome === 'blocked' ? { blocked: 1 } : { queued: 1 });
  });

  it('when CHAT_PROFANITY_FILTER is not a boolean, then the configuration names it', () => {
    expect(() => loadAgentOptions({ CHAT_PROFANITY_FILTER: 'maybe' })).toThrow(/CHAT_PROFANITY_FILTER/);
  });
});
