import { describe, expect, it } from 'vitest';
import type { FloorMessage } from '../../protocol/index.ts';
import { ManualClock } from '../runtime/clock.ts';
import {
  type Command,
  type CommandAction,
  type CommandEffect,
  CommandDispatcher,
  type CommandOptions,
  type CommandSource,
} from './commands.ts';

// The command dispatcher as pure logic on a manual clock: events in, effects out, order and timing
// asserted. The floor, moderation and the show are played by the test.

function harness(options: Partial<CommandOptions> = {}) {
  const clock = new ManualClock(0);
  const commands = new CommandDispatcher(options, { clock, scheduler: clock });
  const effects: Array<CommandEffect & { at: number }> = [];
  commands.subscribe((e) => effects.push({ ...e, at: clock.now() }));
  let seq = 0;
  let n = 0;
  const floor = (state: FloorMessage['state'], humans: string[] = [], speaker: string | null = null) =>
    commands.dispatch({
      type: 'floor',
      message: { type: 'floor', seq: seq++, state, speaker, next: null, humans, reason: null, replyTo: null },
    });
  const submit = (action: CommandAction, source: CommandSource = 'api'): string => {
    const id = `c${(n += 1)}`;
    const command: Command = { id, source, action };
    commands.dispatch({ type: 'submit', command });
    return id;
  };
  const say = (characterId: string, text: string, when: 'now' | 'next' = 'next') =>
    submit({ type: 'say', characterId, text, when });
  const of = <T extends CommandEffect['type']>(type: T) =>
    effects.filter((e): e is Extract<CommandEffect, { type: T }> & { at: number } => e.type === type);
  const finished = (id: string) => of('finished').find((e) => e.id === id)?.result;
  const offers = () => of('offer').map((e) => e.id);
  /** The floor takes the offered line and the line plays to its end. */
  const play = (id: string, heardText = '', interrupted = false) => {
    commands.dispatch({ type: 'offerAnswered', id, taken: true });
    commands.dispatch({ type: 'lineEnded', id, audible: true, heardText, interrupted });
  };
  return { clock, commands, effects, floor, submit, say, of, finished, offers, play };
}

describe('the command dispatcher', () => {
  it('when lines arrive on an open floor, then each is offered once moderated, in order, one at a time', () => {
    const h = harness();
    const a = h.say('ada', 'Welcome, everyone.');
    const b = h.say('bob', 'Glad to be here.');
    expect(h.of('prepare').map((e) => [e.id, e.kind])).toEqual([
      [a, 'moderate'],
      [b, 'moderate'],
    ]);
    // The second is ready first: it still waits behind the first.
    h.commands.dispatch({ type: 'prepared', id: b, text: 'Glad to be here.' });
    expect(h.offers()).toEqual([]);
    h.commands.dispatch({ type: 'prepared', id: a, text: 'Welcome, everyone.' });
    expect(h.of('offer')).toEqual([
      {
        type: 'offer',
        id: a,
        kind: 'line',
        characterId: 'ada',
        text: 'Welcome, everyone.',
        interrupt: false,
        at: 0,
      },
    ]);
    h.commands.dispatch({ type: 'offerAnswered', id: a, taken: true });
    h.floor('character', [], 'ada');
    expect(h.offers()).toEqual([a]);
    h.commands.dispatch({
      type: 'lineEnded',
      id: a,
      audible: true,
      heardText: 'Welcome, everyone.',
      interrupted: false,
    });
    h.floor('open');
    expect(h.finished(a)).toEqual({ outcome: 'spoken', text: 'Welcome, everyone.' });
    expect(h.offers()).toEqual([a, b]);
  });

  it('when a person is speaking, then no line is offered until the floor is theirs no more', () => {
    const h = harness();
    h.floor('human', ['host']);
    const a = h.say('ada', 'Hello.', 'now');
    h.commands.dispatch({ type: 'prepared', id: a, text: 'Hello.' });
    h.clock.advance(5000);
    expect(h.offers()).toEqual([]);
    h.floor('open');
    expect(h.offers()).toEqual([a]);
  });

  it('when a now line arrives behind next lines while a character speaks, then it goes first and cuts that character off', () => {
    const h = harness();
    const a = h.say('ada', 'First of all.');
    h.commands.dispatch({ type: 'prepared', id: a, text: 'First of all.' });
    h.commands.dispatch({ type: 'offerAnswered', id: a, taken: true });
    h.floor('character', [], 'ada');
    const b = h.say('bob', 'Then this.');
    const now = h.say('cy', 'Breaking news!', 'now');
    h.commands.dispatch({ type: 'prepared', id: b, text: 'Then this.' });
    expect(h.offers()).toEqual([a]);
    h.commands.dispatch({ type: 'prepared', id: now, text: 'Breaking news!' });
    expect(h.of('offer').at(-1)).toMatchObject({ id: now, interrupt: true });
    h.commands.dispatch({ type: 'offerAnswered', id: now, taken: true });
    // Ada's line, cut off by the newer one, is superseded with what was heard of it.
    h.commands.dispatch({ type: 'lineEnded', id: a, audible: true, heardText: 'First', interrupted: true });
    expect(h.finished(a)).toEqual({ outcome: 'dropped', reason: 'superseded', text: 'First' });
    h.commands.dispatch({ type: 'lineEnded', id: now, audible: true, heardText: '', interrupted: false });
    h.floor('open');
    expect(h.finished(now)).toEqual({ outcome: 'spoken', text: 'Breaking news!' });
    expect(h.offers()).toEqual([a, now, b]);
  });

  it('when the floor declines a line, then it is offered again at the next floor change or after retryMs, and dropped after floorWaitMs', () => {
    const h = harness({ retryMs: 1000, floorWaitMs: 5000 });
    // A floor that is never free enough, answering every offer at once as the wiring does.
    h.commands.subscribe((e) => {
      if (e.type === 'offer') h.commands.dispatch({ type: 'offerAnswered', id: e.id, taken: false });
    });
    const a = h.say('ada', 'Anyone?');
    h.commands.dispatch({ type: 'prepared', id: a, text: 'Anyone?' });
    h.clock.advance(500);
    h.floor('open');
    h.clock.advanceTo(5000);
    expect(h.of('offer').map((e) => e.at)).toEqual([0, 500, 1500, 2500, 3500, 4500]);
    expect(h.finished(a)).toEqual({
      outcome: 'dropped',
      reason: 'noFloor',
      message: 'no free floor in time',
    });
    expect(h.of('finished')[0]!.at).toBe(5000);
  });

  it('when a taken line is dropped before anyone heard it, then it waits again at the front; when a person cuts it off, it is interrupted', () => {
    const h = harness();
    const a = h.say('ada', 'A long story.');
    const b = h.say('bob', 'After that.');
    h.commands.dispatch({ type: 'prepared', id: a, text: 'A long story.' });
    h.commands.dispatch({ type: 'prepared', id: b, text: 'After that.' });
    h.commands.dispatch({ type: 'offerAnswered', id: a, taken: true });
    h.floor('human', ['host']);
    h.commands.dispatch({ type: 'lineEnded', id: a, audible: false, heardText: '', interrupted: true });
    expect(h.finished(a)).toBeUndefined();
    h.floor('open');
    expect(h.offers()).toEqual([a, a]);
    h.commands.dispatch({ type: 'offerAnswered', id: a, taken: true });
    h.commands.dispatch({ type: 'lineEnded', id: a, audible: true, heardText: 'A long', interrupted: true });
    expect(h.finished(a)).toEqual({ outcome: 'dropped', reason: 'interrupted', text: 'A long' });
    expect(h.offers()).toEqual([a, a, b]);
  });

  it('when moderation holds a line back or its words come too late, then it is moderated or failed and the next one goes', () => {
    const h = harness({ prepareTimeoutMs: 2000 });
    const a = h.say('ada', 'Something rude.');
    const b = h.say('bob', 'Something slow.');
    const c = h.say('cy', 'Something fine.');
    h.commands.dispatch({ type: 'moderated', id: a, message: 'blocked words' });
    h.commands.dispatch({ type: 'prepared', id: c, text: 'Something fine.' });
    expect(h.finished(a)).toEqual({ outcome: 'moderated', message: 'blocked words' });
    expect(h.offers()).toEqual([]);
    h.clock.advanceTo(2000);
    expect(h.finished(b)).toMatchObject({ outcome: 'dropped', reason: 'failed' });
    expect(h.offers()).toEqual([c]);
  });

  it('when a prompt does not speak, then its answer comes back as text and the floor is never offered it', () => {
    const h = harness();
    const p = h.submit({ type: 'prompt', characterId: 'ada', prompt: 'Say hi to the raid', speak: false });
    expect(h.of('prepare')).toEqual([
      { type: 'prepare', id: p, kind: 'compose', characterId: 'ada', prompt: 'Say hi to the raid', at: 0 },
    ]);
    h.commands.dispatch({ type: 'prepared', id: p, text: 'Welcome, raiders!' });
    expect(h.finished(p)).toEqual({ outcome: 'done', text: 'Welcome, raiders!' });
    const spoken = h.submit({ type: 'prompt', characterId: 'bob', prompt: 'Thank them', speak: true });
    h.commands.dispatch({ type: 'prepared', id: spoken, text: 'Thank you all.' });
    h.play(spoken);
    expect(h.finished(spoken)).toEqual({ outcome: 'spoken', text: 'Thank you all.' });
    expect(h.offers()).toEqual([spoken]);
  });

  it('when commands arrive, then show actions apply at once in arrival order, and the show decides whether chat is too fast', () => {
    const h = harness();
    const s = h.submit({ type: 'switch', characterId: 'bob', transition: 'smooth' });
    const e = h.submit({ type: 'expression', characterId: null, name: 'happy', priority: 'low' }, 'chat');
    const t = h.submit({ type: 'autonomous', enabled: false }, 'operator');
    expect(h.of('apply').map((x) => [x.id, x.source, x.action.type])).toEqual([
      [s, 'api', 'switch'],
      [e, 'chat', 'expression'],
      [t, 'operator', 'autonomous'],
    ]);
    h.commands.dispatch({ type: 'applied', id: s, result: { ok: true } });
    h.commands.dispatch({
      type: 'applied',
      id: e,
      result: { ok: false, rateLimited: true, message: 'try again shortly' },
    });
    expect(h.finished(s)).toEqual({ outcome: 'done' });
    expect(h.finished(e)).toEqual({
      outcome: 'dropped',
      reason: 'rateLimited',
      message: 'try again shortly',
    });
  });

  it('when a gesture is held with a duration, then lower priorities are refused until it ends and the expression returns', () => {
    const h = harness();
    const held = h.submit({
      type: 'expression',
      characterId: 'ada',
      name: 'surprised',
      durationMs: 3000,
      priority: 'high',
    });
    h.commands.dispatch({ type: 'applied', id: held, result: { ok: true, previousExpression: 'happy' } });
    h.clock.advance(1000);
    const chat = h.submit({ type: 'expression', characterId: 'ada', name: 'sad', priority: 'low' }, 'chat');
    expect(h.finished(chat)).toEqual({
      outcome: 'dropped',
      reason: 'lowerPriority',
      message: 'a high-priority expression holds for 2 s more',
    });
    // A motion is another kind: not held.
    const wave = h.submit({ type: 'motion', characterId: 'ada', name: 'wave', priority: 'low' }, 'chat');
    expect(h.of('apply').map((x) => x.id)).toEqual([held, wave]);
    h.clock.advanceTo(3000);
    expect(h.of('restore')).toEqual([{ type: 'restore', characterId: 'ada', name: 'happy', at: 3000 }]);
    const later = h.submit({ type: 'expression', characterId: 'ada', name: 'sad', priority: 'low' }, 'chat');
    expect(h.of('apply').map((x) => x.id)).toEqual([held, wave, later]);
  });

  it('when a dramatic switch is overtaken by a newer one, then it is superseded and the newer one done', () => {
    const h = harness();
    const first = h.submit({ type: 'switch', characterId: 'bob', transition: 'dramatic' });
    h.commands.dispatch({ type: 'applied', id: first, result: { ok: true, pending: true } });
    expect(h.finished(first)).toBeUndefined();
    const second = h.submit({ type: 'switch', characterId: 'cy', transition: 'instant' });
    h.commands.dispatch({ type: 'settled', id: first, outcome: 'superseded' });
    h.commands.dispatch({ type: 'applied', id: second, result: { ok: true } });
    expect(h.finished(first)).toEqual({ outcome: 'dropped', reason: 'superseded' });
    expect(h.finished(second)).toEqual({ outcome: 'done' });
  });

  it('when too many lines wait or the show ends, then the extra and the waiting ones are dropped, and so is anything later', () => {
    const h = harness({ maxQueued: 2 });
    const a = h.say('ada', 'One.');
    const b = h.submit({ type: 'topic', text: 'the harbour' });
    const c = h.say('cy', 'Three.');
    expect(h.finished(c)).toMatchObject({ outcome: 'dropped', reason: 'queueFull' });
    const p = h.submit({ type: 'prompt', characterId: 'ada', prompt: 'Hi', speak: false });
    h.commands.close();
    for (const id of [a, b, p])
      expect(h.finished(id)).toMatchObject({ outcome: 'dropped', reason: 'notRunning' });
    expect(h.of('finished')).toHaveLength(4);
  });

  it('when a topic waits, then it is offered only to an open floor and done once taken', () => {
    const h = harness();
    h.floor('character', [], 'ada');
    const t = h.submit({ type: 'topic', text: 'the harbour' });
    expect(h.offers()).toEqual([]);
    h.floor('open');
    expect(h.of('offer')).toEqual([{ type: 'offer', id: t, kind: 'topic', text: 'the harbour', at: 0 }]);
    h.commands.dispatch({ type: 'offerAnswered', id: t, taken: true });
    expect(h.finished(t)).toEqual({ outcome: 'done' });
  });
});
