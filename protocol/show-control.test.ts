import { describe, expect, it } from 'vitest';
import {
  ShowCommandMessage,
  ShowCommandReport,
  ShowControlAction,
  ShowControlRequest,
  ShowControlWebhookRequest,
} from './show-control.ts';

const ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';

describe('show-control contracts', () => {
  it('when each action is sent with only what it needs, then it parses with its defaults', () => {
    expect(ShowControlRequest.parse({ type: 'say', characterId: 'ada', text: ' Hello! ' })).toEqual({
      type: 'say',
      characterId: 'ada',
      text: 'Hello!',
      when: 'next',
    });
    expect(
      ShowControlRequest.parse({ type: 'prompt', characterId: 'ada', prompt: 'Greet the raid' }),
    ).toEqual({
      type: 'prompt',
      characterId: 'ada',
      prompt: 'Greet the raid',
      speak: true,
    });
    expect(
      ShowControlRequest.parse({ type: 'expression', characterId: 'ada', name: 'happy', durationMs: 2000 }),
    ).toEqual({
      type: 'expression',
      characterId: 'ada',
      name: 'happy',
      durationMs: 2000,
      priority: 'normal',
    });
    expect(
      ShowControlRequest.parse({ type: 'motion', characterId: 'bob', name: 'wave', priority: 'high' }),
    ).toEqual({ type: 'motion', characterId: 'bob', name: 'wave', priority: 'high' });
    expect(ShowControlRequest.parse({ type: 'switch', characterId: 'bob' })).toEqual({
      type: 'switch',
      characterId: 'bob',
      transition: 'smooth',
    });
    expect(ShowControlRequest.parse({ type: 'topic', text: 'the harbour', waitMs: 0 })).toEqual({
      type: 'topic',
      text: 'the harbour',
      waitMs: 0,
    });
  });

  it('when a body is not one valid action, then it is refused', () => {
    for (const body of [
      {},
      { type: 'shout', text: 'x' },
      { type: 'say', characterId: 'ada' },
      { type: 'say', characterId: 'ada', text: '   ' },
      { type: 'say', characterId: 'ada', text: 'x'.repeat(1001) },
      { type: 'say', characterId: 'ada', text: 'hi', when: 'later' },
      { type: 'say', characterId: 'Not An Id', text: 'hi' },
      { type: 'say', characterId: 'ada', text: 'hi', extra: true },
      { type: 'prompt', characterId: 'ada', prompt: 'hi', speak: 'yes' },
      { type: 'expression', characterId: 'ada', name: 'Big Smile' },
      { type: 'expression', characterId: 'ada', name: 'happy', durationMs: 50 },
      { type: 'motion', characterId: 'ada', name: 'wave', priority: 'urgent' },
      { type: 'switch', characterId: 'ada', transition: 'slow' },
      { type: 'topic', text: 'x'.repeat(301) },
      { type: 'topic', text: 'ok', waitMs: -1 },
      { type: 'topic', text: 'ok', waitMs: 1.5 },
      'say hello',
      null,
    ])
      expect(ShowControlRequest.safeParse(body).success, JSON.stringify(body)).toBe(false);
    // The packet to the job carries the action alone: no wait.
    expect(ShowControlAction.safeParse({ type: 'topic', text: 'ok', waitMs: 5 }).success).toBe(false);
  });

  it('when the job reports an outcome, then pending is not one it may report and unknown fields are refused', () => {
    expect(ShowCommandReport.parse({ outcome: 'spoken', text: 'Hello!' })).toEqual({
      outcome: 'spoken',
      text: 'Hello!',
    });
    expect(ShowCommandReport.parse({ outcome: 'dropped', reason: 'noFloor' })).toEqual({
      outcome: 'dropped',
      reason: 'noFloor',
    });
    for (const r of [
      { outcome: 'pending' },
      { outcome: 'dropped', reason: 'bored' },
      { outcome: 'done', x: 1 },
    ])
      expect(ShowCommandReport.safeParse(r).success).toBe(false);
  });

  it('when the API sends a command to the job, then it names its id and one action', () => {
    const m = {
      type: 'command',
      id: ID,
      action: { type: 'say', characterId: 'ada', text: 'Hi', when: 'now' },
    };
    expect(ShowCommandMessage.parse(m)).toEqual(m);
    expect(ShowCommandMessage.safeParse({ ...m, id: 'c1' }).success).toBe(false);
  });

  it('when a webhook URL is registered, then only http(s) without credentials is taken', () => {
    expect(ShowControlWebhookRequest.parse({ url: 'https://bot.example.test/hook' }).url).toBe(
      'https://bot.example.test/hook',
    );
    for (const url of ['ftp://bot.example.test/hook', 'https://user:pw@bot.example.test/', 'not a url'])
      expect(ShowControlWebhookRequest.safeParse({ url }).success, url).toBe(false);
  });
});
