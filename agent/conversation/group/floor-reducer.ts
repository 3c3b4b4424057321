import type { FloorMessage } from '../../../protocol/index.ts';
import type { AddresseeRequest } from './addressing.ts';
import {
  planAddressed,
  planChain,
  planHeuristic,
  planMentioned,
  planPickup,
  planTopic,
  type Draft,
  type FloorContext,
} from './floor-choice.ts';
import type {
  FloorEffect,
  FloorEvent,
  FloorOptions,
  FloorControllerState,
  TopicCue,
  Utterance,
} from './floor-types.ts';

// The floor as a reducer: (state, event, context) → (state, effects). Pure given the context's
// `now` and `random`; it never reads a clock and never sets a timer. The controller (floor.ts)
// owns the clock and wakes the reducer with a `tick` at `nextDeadline()`.

export function initialFloorState(): FloorControllerState {
  return {
    humans: {},
    awaitingFinal: {},
    pending: [],
    history: [],
    current: null,
    queue: [],
    chain: 0,
    spokeThisRound: [],
    waited: {},
    openSince: null,
    deciding: null,
    published: null,
    nextId: 0,
    stopping: [],
  };
}

/** The earliest time at which the state changes without an event (threshold, LLM timeout, pick-up). */
export function nextDeadline(s: FloorControllerState, options: FloorOptions): number | null {
  const times: number[] = [];
  for (const h of Object.values(s.humans))
    if (!h.crossed) times.push(h.since + options.interruptionMinDurationMs);
  times.push(...Object.values(s.awaitingFinal));
  if (s.deciding) times.push(s.deciding.deadline);
  if (s.openSince !== null && options.pickupAfterMs !== null) times.push(s.openSince + options.pickupAfterMs);
  return times.length > 0 ? Math.min(...times) : null;
}

const busy = (s: FloorControllerState) => s.current !== null || s.queue.length > 0 || s.deciding !== null;

export function reduceFloor(
  state: FloorControllerState,
  event: FloorEvent,
  ctx: FloorContext,
): { state: FloorControllerState; effects: FloorEffect[] } {
  const d: Draft = { s: structuredClone(state), fx: [], ctx };
  const wasBusy = busy(d.s);
  const at = ('at' in event && event.at !== undefined ? event.at : undefined) ?? ctx.now;
  expire(d);
  switch (event.type) {
    case 'humanSpeechStarted':
      if (!d.s.humans[event.identity]) {
        d.s.humans[event.identity] = { since: at, crossed: false };
        delete d.s.awaitingFinal[event.identity];
        expire(d);
        holdRequested(d);
      }
      break;
    case 'humanSpeaking': {
      // Heard for `spokenMs` by now, so speaking since at least then: a start that came late (and
      // an end right behind it) must not shrink a long barge-in below the threshold.
      const h = d.s.humans[event.identity];
      if (h && !h.crossed) {
        h.since = Math.min(h.since, at - event.spokenMs);
        expire(d);
      }
      break;
    }
    case 'humanSpeechStopped': {
      const since = d.s.humans[event.identity]?.since;
      if (since === undefined) break;
      delete d.s.humans[event.identity];
      // Its final transcript may already be in (some STTs finish before VAD ends the speech).
      const heard = d.s.pending.some((u) => u.speaker === event.identity && u.at >= since);
      if (!heard) d.s.awaitingFinal[event.identity] = at + ctx.options.finalTranscriptWaitMs;
      break;
    }
    case 'humanUtterance':
      delete d.s.awaitingFinal[event.identity];
      if (event.text.trim()) {
        d.s.pending.push({
          speaker: event.identity,
          name: event.name,
          role: 'human',
          text: event.text.trim(),
          at,
        });
      }
      break;
    case 'addresseeDecided':
      if (d.s.deciding?.requestId === event.requestId) resolveDecision(d, event.characterIds);
      break;
    case 'characterReplyReady':
      if (d.s.current?.characterId === event.characterId) {
        d.s.current.text = event.text;
        prepareNext(d);
      } else if (d.s.queue[0]?.characterId === event.characterId) {
        d.s.queue[0].text = event.text;
      }
      break;
    case 'characterSpeechStarted':
      if (d.s.current?.characterId === event.characterId) d.s.current.status = 'speaking';
      else if (!d.s.stopping.includes(event.characterId)) {
        // Nobody but the current turn may hold the floor (e.g. a reply that raced a hold).
        d.fx.push({ type: 'interrupt', characterId: event.characterId, turnId: null });
        d.s.stopping.push(event.characterId);
      }
      break;
    case 'characterPlayoutFinished':
      playoutFinished(d, event.characterId, event.text);
      break;
    case 'characterInterrupted':
      interrupted(d, event.characterId, event.heardText);
      break;
    case 'autonomousTopic':
      takeTopic(d, event.topic, event.characterId);
      break;
    case 'scriptedLine':
      takeLine(d, event);
      break;
    case 'tick':
      break;
  }
  advance(d);
  finish(d, wasBusy);
  return { state: d.s, effects: d.fx };
}

/** Deadlines that have passed: barge-in thresholds, the LLM timeout, the silence pick-up. */
function expire(d: Draft): void {
  const { now, options } = d.ctx;
  for (const [identity, until] of Object.entries(d.s.awaitingFinal))
    if (until <= now) delete d.s.awaitingFinal[identity];
  for (const [identity, h] of Object.entries(d.s.humans)) {
    if (!h.crossed && h.since + options.interruptionMinDurationMs <= now) {
      h.crossed = true;
      bargeIn(d, identity, h.since);
    }
  }
  if (d.s.deciding && d.s.deciding.deadline <= now) {
    d.fx.push({
      type: 'observe',
      observation: { kind: 'addressingTimedOut', requestId: d.s.deciding.requestId },
    });
    resolveDecision(d, null);
  }
  if (
    d.s.openSince !== null &&
    options.pickupAfterMs !== null &&
    d.s.openSince + options.pickupAfterMs <= now
  ) {
    d.s.openSince = null;
    d.s.chain = 0;
    if (!planPickup(d)) d.s.openSince = now;
  }
}

/** An autonomous topic is taken only on an open floor: never over a person, never over a turn. */
function takeTopic(d: Draft, topic: TopicCue, characterId: string | undefined): void {
  const s = d.s;
  const open =
    !busy(s) &&
    Object.keys(s.humans).length === 0 &&
    Object.keys(s.awaitingFinal).length === 0 &&
    s.pending.length === 0 &&
    s.stopping.length === 0;
  if (open) {
    s.chain = 0;
    if (planTopic(d, topic, characterId)) return;
  }
  d.fx.push({
    type: 'observe',
    observation: { kind: 'topicDeclined', topic, why: open ? 'nobody' : 'busy' },
  });
}

/**
 * A scripted line (show control) never goes over a person: not while one speaks, is due a
 * transcript or is being answered. It becomes the current turn at once; a pending answer waits.
 */
function takeLine(d: Draft, e: Extract<FloorEvent, { type: 'scriptedLine' }>): void {
  const s = d.s;
  const person = Object.keys(s.humans).length > 0 || Object.keys(s.awaitingFinal).length > 0;
  const why = !d.ctx.characters.some((c) => c.id === e.characterId)
    ? 'nobody'
    : person || s.deciding || (s.pending.length > 0 && !e.interrupt)
      ? 'human'
      : !e.interrupt && (busy(s) || s.stopping.length > 0)
        ? 'busy'
        : null;
  if (why)
    return void d.fx.push({ type: 'observe', observation: { kind: 'lineDeclined', lineId: e.lineId, why } });
  const current = s.current;
  if (current) {
    d.fx.push({ type: 'interrupt', characterId: current.characterId, turnId: current.plan.turnId });
    if (!s.stopping.includes(current.characterId)) s.stopping.push(current.characterId);
    s.current = null;
  }
  cancelQueue(d);
  s.nextId += 1;
  const plan = {
    turnId: `t${s.nextId}`,
    reason: 'line' as const,
    replyTo: null,
    chainIndex: 0,
    relationship: null,
    line: { id: e.lineId, text: e.text },
  };
  s.current = { characterId: e.characterId, plan, status: 'requested', text: e.text, followed: false };
  if (!s.spokeThisRound.includes(e.characterId)) s.spokeThisRound.push(e.characterId);
  d.fx.push({
    type: 'observe',
    observation: { kind: 'decision', characterId: e.characterId, reason: 'line', replyTo: null },
  });
  d.fx.push({ type: 'speak', characterId: e.characterId, plan });
}

/** A human has spoken long enough: every character stops, every waiting reply is dropped. */
function bargeIn(d: Draft, identity: string, since: number): void {
  const stopped: string[] = [];
  const current = d.s.current;
  if (current) {
    d.fx.push({ type: 'interrupt', characterId: current.characterId, turnId: current.plan.turnId });
    d.s.stopping.push(current.characterId);
    stopped.push(current.characterId);
    d.s.current = null;
  }
  cancelQueue(d);
  d.fx.push({
    type: 'observe',
    observation: { kind: 'bargeIn', identity, speechStartedAt: since, at: d.ctx.now, interrupted: stopped },
  });
}

/** A human began to speak while a reply was authorised but not yet audible: withdraw it. */
function holdRequested(d: Draft): void {
  const current = d.s.current;
  if (current?.status !== 'requested') return;
  d.fx.push({ type: 'hold', characterId: current.characterId, turnId: current.plan.turnId });
  d.s.queue.unshift({ ...current, status: 'prepared' });
  d.s.current = null;
}

function cancelQueue(d: Draft): void {
  for (const t of d.s.queue) {
    if (t.status !== 'planned')
      d.fx.push({ type: 'cancel', characterId: t.characterId, turnId: t.plan.turnId });
  }
  d.s.queue = [];
}

function remember(d: Draft, u: Utterance): void {
  d.s.history.push(u);
  d.s.history = d.s.history.slice(-d.ctx.options.historySize);
}

/** A character turn that was audible has ended with `text` heard. */
function endTurn(d: Draft, characterId: string, text: string, wasInterrupted: boolean): void {
  const name = d.ctx.characters.find((c) => c.id === characterId)?.name ?? characterId;
  if (text.trim())
    remember(d, { speaker: characterId, name, role: 'character', text: text.trim(), at: d.ctx.now });
  const horizon = d.ctx.options.fairnessHorizon;
  for (const c of d.ctx.characters)
    d.s.waited[c.id] = c.id === characterId ? 0 : (d.s.waited[c.id] ?? horizon) + 1;
  d.fx.push({
    type: 'observe',
    observation: { kind: 'turnEnded', characterId, text, interrupted: wasInterrupted },
  });
}

function playoutFinished(d: Draft, characterId: string, text: string | undefined): void {
  d.s.stopping = d.s.stopping.filter((id) => id !== characterId);
  const turn = d.s.current;
  if (turn?.characterId !== characterId) return;
  d.s.current = null;
  const said = text ?? turn.text ?? '';
  endTurn(d, characterId, said, false);
  d.s.chain = turn.plan.chainIndex;
  // A scripted line is not answered by another character: the next line of a script comes next.
  const unanswered = () => turn.plan.line !== undefined || !planChain(d, turn, said);
  if (d.s.pending.length === 0 && d.s.queue.length === 0 && unanswered()) {
    const capped = turn.plan.chainIndex >= d.ctx.options.chainCap;
    d.fx.push({ type: 'observe', observation: { kind: 'chainEnded', length: turn.plan.chainIndex, capped } });
  }
}

function interrupted(d: Draft, characterId: string, heardText: string): void {
  // One told to stop comes first: the same character may already hold the floor again (a line
  // that cut it off, an answer after a barge-in), and that new turn goes on.
  const wasStopping = d.s.stopping.includes(characterId);
  if (!wasStopping && d.s.current?.characterId !== characterId) return;
  d.s.stopping = d.s.stopping.filter((id) => id !== characterId);
  if (!wasStopping) {
    // Stopped by something other than a barge-in: the floor goes back to the people all the same.
    d.s.current = null;
    cancelQueue(d);
  }
  endTurn(d, characterId, heardText, true);
}

/** With the current reply's text known, the next speaker starts preparing while it talks. */
function prepareNext(d: Draft): void {
  if (d.s.pending.length > 0 || !d.s.current) return;
  const { text, plan } = d.s.current;
  if (d.s.queue.length === 0 && text !== null && !plan.line) planChain(d, d.s.current, text);
  const head = d.s.queue[0];
  if (head?.status === 'planned') {
    head.status = 'prepared';
    d.fx.push({ type: 'prepare', characterId: head.characterId, plan: head.plan });
  }
}

function resolveDecision(d: Draft, characterIds: string[] | null): void {
  const deciding = d.s.deciding;
  if (!deciding) return;
  d.s.deciding = null;
  if (characterIds === null) planHeuristic(d, deciding.utterance);
  else planAddressed(d, deciding.utterance, characterIds);
}

/** Gives the floor to whoever is next, if nobody holds it and no human speaks. */
function advance(d: Draft): void {
  if (Object.keys(d.s.humans).length > 0 || d.s.deciding || d.s.current) return;
  if (d.s.pending.length > 0) {
    // Several humans spoke: answer once every one of them has been transcribed (or waited for).
    if (Object.keys(d.s.awaitingFinal).length > 0) return;
    cancelQueue(d);
    startHumanTurn(d);
    if (d.s.deciding) return;
  }
  const head = d.s.queue.shift();
  if (!head) return;
  d.s.current = { ...head, status: 'requested' };
  if (!d.s.spokeThisRound.includes(head.characterId)) d.s.spokeThisRound.push(head.characterId);
  d.fx.push({ type: 'speak', characterId: head.characterId, plan: head.plan });
}

function startHumanTurn(d: Draft): void {
  const utterances = d.s.pending;
  d.s.pending = [];
  for (const u of utterances) remember(d, u);
  d.s.chain = 0;
  d.s.spokeThisRound = [];
  if (planMentioned(d, utterances)) return;
  const latest = utterances.at(-1) as Utterance;
  const { addressing, chooseAddressee, addressingTimeoutMs } = d.ctx.options;
  if (addressing === 'llm' && chooseAddressee) {
    d.s.nextId += 1;
    const requestId = `a${d.s.nextId}`;
    d.s.deciding = { requestId, utterance: latest, deadline: d.ctx.now + addressingTimeoutMs };
    const request: AddresseeRequest = {
      utterance: { speaker: latest.speaker, name: latest.name, text: latest.text },
      recent: d.s.history
        .slice(0, -1)
        .map(({ speaker, name, role, text }) => ({ speaker, name, role, text })),
      characters: d.ctx.characters.map(({ id, name }) => ({ id, name })),
    };
    d.fx.push({ type: 'decideAddressee', requestId, request });
    return;
  }
  planHeuristic(d, latest);
}

/** Floor hand-back, the silence clock, and the data message when the floor changed. */
function finish(d: Draft, wasBusy: boolean): void {
  const s = d.s;
  const humansSpeaking = Object.keys(s.humans).length > 0;
  if (wasBusy && !busy(s)) d.fx.push({ type: 'floorToHumans' });
  const open = !busy(s) && !humansSpeaking && s.pending.length === 0;
  s.openSince = open ? (s.openSince ?? d.ctx.now) : null;

  const humans = Object.keys(s.humans).sort();
  const crossed = Object.values(s.humans).some((h) => h.crossed);
  const state = crossed || (!s.current && humansSpeaking) ? 'human' : s.current ? 'character' : 'open';
  const speaking = state === 'character' ? s.current : null;
  const view: Omit<FloorMessage, 'seq'> = {
    type: 'floor',
    state,
    speaker: speaking?.characterId ?? null,
    next: s.queue[0]?.status === 'prepared' ? s.queue[0].characterId : null,
    humans,
    reason: speaking?.plan.reason ?? null,
    replyTo: speaking?.plan.replyTo?.speaker ?? null,
  };
  const { seq: lastSeq = -1, ...last } = s.published ?? {};
  if (JSON.stringify(last) !== JSON.stringify(view)) {
    s.published = { ...view, seq: lastSeq + 1 };
    d.fx.push({ type: 'publish', message: s.published });
  }
}
