import { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { Moderator } from './chat/moderation.ts';
import { moderateSentences } from './speech-moderation.ts';

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
