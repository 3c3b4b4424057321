import { weightedPick, type Random } from '../conversation/group/choice.ts';
import type {
  AutonomousEffect,
  AutonomousEvent,
  AutonomousOptions,
  AutonomousState,
  DirectorCharacter,
} from './autonomous-types.ts';
import { addNotice, groupDueAt, reactionText } from './notices.ts';

// The autonomous director as a reducer: (state, event, context) → (state, effects). Pure given
// the context's `now` and `random`; the director (autonomous.ts) owns the clock and wakes the
// reducer with a `tick` at `nextDirectorDeadline()`.

export interface DirectorContext {
  now: number;
  options: AutonomousOptions;
  characters: readonly DirectorCharacter[];
  random: Random;
}

interface Draft {
  s: AutonomousState;
  fx: AutonomousEffect[];
  ctx: DirectorContext;
}

export function initialDirectorState(now: number): AutonomousState {
  return {
    lastChatAt: now,
    chat: [],
    floorOpen: true,
    humans: [],
    speaking: [],
    quietSince: now,
    quietAfterSpeech: false,
    lastHumanStopAt: null,
    lastStartAt: null,
    consecutive: 0,
    agendaQueue: [],
    lastTopic: null,
    notices: [],
    lastReactionAt: {},
    inFlight: null,
    waited: {},
    turn: 0,
  };
}

const quiet = (s: AutonomousState) => s.floorOpen && s.humans.length === 0 && s.speaking.length === 0;

/** When the next autonomous topic may start, given a quiet floor; null when topics are off. */
function topicDueAt(s: AutonomousState, o: AutonomousOptions): number | null {
  if (!o.topicsEnabled || s.quietSince === null) return null;
  const gap = s.consecutive >= o.maxConsecutive ? o.longPauseMs : o.cadenceMs;
  const times = [s.lastChatAt + o.idleAfterMs];
  if (s.quietAfterSpeech) times.push(s.quietSince + gap);
  if (s.lastStartAt !== null) times.push(s.lastStartAt + gap);
  return Math.max(...times);
}

/** When the oldest reaction may go out on a quiet floor. */
function reactionDueAt(s: AutonomousState, o: AutonomousOptions): number | null {
  if (s.notices.length === 0) return null;
  const grace = s.lastHumanStopAt === null ? -Infinity : s.lastHumanStopAt + o.humanGraceMs;
  const due = s.notices.map((g) => groupDueAt(g, o.notices[g.type], s.lastReactionAt[g.type]));
  return Math.max(Math.min(...due), grace);
}

/** The earliest time at which the state changes without an event. */
export function nextDirectorDeadline(s: AutonomousState, o: AutonomousOptions): number | null {
  const times = s.notices.map((g) => g.firstAt + o.noticeTtlMs);
  if (s.inFlight) times.push(s.inFlight.until);
  else if (quiet(s)) {
    const topic = topicDueAt(s, o);
    const reaction = reactionDueAt(s, o);
    if (topic !== null) times.push(topic);
    if (reaction !== null) times.push(reaction);
  }
  return times.length > 0 ? Math.min(...times) : null;
}

export function reduceDirector(
  state: AutonomousState,
  event: AutonomousEvent,
  ctx: DirectorContext,
): { state: AutonomousState; effects: AutonomousEffect[] } {
  const d: Draft = { s: structuredClone(state), fx: [], ctx };
  const s = d.s;
  const at = event.at ?? ctx.now;
  switch (event.type) {
    case 'chatActivity':
      s.lastChatAt = at;
      s.consecutive = 0;
      if (event.text?.trim()) {
        const line = event.user ? `${event.user}: ${event.text.trim()}` : event.text.trim();
        s.chat = [...s.chat, { at, line }].slice(-ctx.options.recentChatWindow);
      }
      break;
    case 'humanSpeechStarted':
      if (!s.humans.includes(event.identity)) s.humans.push(event.identity);
      s.consecutive = 0;
      break;
    case 'humanSpeechStopped':
      if (s.humans.includes(event.identity)) {
        s.humans = s.humans.filter((h) => h !== event.identity);
        s.lastHumanStopAt = at;
        s.quietAfterSpeech = true;
      }
      break;
    case 'characterSpeaking':
      if (!s.speaking.includes(event.characterId)) s.speaking.push(event.characterId);
      for (const c of ctx.characters)
        s.waited[c.id] = c.id === event.characterId ? 0 : (s.waited[c.id] ?? ctx.options.fairnessHorizon) + 1;
      confirm(d);
      break;
    case 'characterFinished':
      if (s.speaking.includes(event.characterId)) {
        s.speaking = s.speaking.filter((c) => c !== event.characterId);
        s.quietAfterSpeech = true;
      }
      break;
    case 'floorOpen':
      if (!s.floorOpen) s.quietAfterSpeech = true;
      s.floorOpen = true;
      break;
    case 'floorBusy':
      s.floorOpen = false;
      confirm(d);
      break;
    case 'notice': {
      const policy = ctx.options.notices[event.notice.type];
      if (policy) s.notices = addNotice(s.notices, event.notice, policy, at);
      else
        d.fx.push({
          type: 'observe',
          observation: { kind: 'noticeDropped', notices: [event.notice], why: 'ignored' },
        });
      break;
    }
    case 'tick':
      break;
  }
  expire(d);
  const isQuiet = quiet(s);
  s.quietSince = isQuiet ? (s.quietSince ?? ctx.now) : null;
  if (isQuiet && !s.inFlight) act(d);
  return { state: s, effects: d.fx };
}

/** The floor turned busy or a character became audible: what was asked for was taken. */
function confirm(d: Draft): void {
  d.s.inFlight = null;
}

/** Stale notices are dropped; a start or reaction the floor never took times out. */
function expire(d: Draft): void {
  const { s, ctx } = d;
  const stale = s.notices.filter((g) => g.firstAt + ctx.options.noticeTtlMs <= ctx.now);
  if (stale.length > 0) {
    s.notices = s.notices.filter((g) => !stale.includes(g));
    d.fx.push({
      type: 'observe',
      observation: { kind: 'noticeDropped', notices: stale.flatMap((g) => g.notices), why: 'stale' },
    });
  }
  const flight = s.inFlight;
  if (flight && flight.until <= ctx.now) {
    s.inFlight = null;
    const retried = flight.group !== null && flight.group.firstAt + ctx.options.noticeTtlMs > ctx.now;
    if (retried && flight.group) s.notices.unshift(flight.group);
    d.fx.push({ type: 'observe', observation: { kind: 'notTaken', what: flight.what, retried } });
  }
}

/** On a quiet floor: a due reaction first, else a due topic. At most one per event. */
function act(d: Draft): void {
  const { s, ctx } = d;
  const o = ctx.options;
  const reaction = reactionDueAt(s, o);
  if (reaction !== null && reaction <= ctx.now) {
    const group = s.notices.find(
      (g) => groupDueAt(g, o.notices[g.type], s.lastReactionAt[g.type]) <= ctx.now,
    );
    if (group) {
      s.notices = s.notices.filter((g) => g !== group);
      s.lastReactionAt[group.type] = ctx.now;
      s.inFlight = { what: 'react', until: ctx.now + o.confirmTimeoutMs, group };
      const characterId = pickCharacter(d);
      d.fx.push({
        type: 'react',
        ...(characterId !== undefined && { characterId }),
        notice: group.notices[0] as (typeof group.notices)[number],
        notices: group.notices,
        text: reactionText(group.notices),
        recentChat: recentChat(d),
      });
      return;
    }
  }
  const topicAt = topicDueAt(s, o);
  if (topicAt === null || topicAt > ctx.now) return;
  const reason = s.consecutive === 0 ? 'idle' : 'cadence';
  s.consecutive = s.consecutive >= o.maxConsecutive ? 1 : s.consecutive + 1;
  s.lastStartAt = ctx.now;
  s.inFlight = { what: 'topic', until: ctx.now + o.confirmTimeoutMs, group: null };
  const characterId = pickCharacter(d);
  d.fx.push({
    type: 'startTopic',
    ...(characterId !== undefined && { characterId }),
    topic: nextTopic(d),
    recentChat: recentChat(d),
    reason,
  });
}

function recentChat(d: Draft): string[] {
  const since = d.ctx.now - d.ctx.options.recentChatMaxAgeMs;
  return d.s.chat.filter((c) => c.at > since).map((c) => c.line);
}

/** The next agenda topic: in order, or each cycle shuffled (seeded), never the same twice in a row. */
function nextTopic(d: Draft): string | null {
  const { agenda, agendaOrder } = d.ctx.options;
  if (agenda.length === 0) return null;
  if (d.s.agendaQueue.length === 0) {
    const order = agenda.map((_, i) => i);
    if (agendaOrder === 'shuffled') {
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(d.ctx.random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      if (order.length > 1 && order[0] === d.s.lastTopic) order.push(order.shift() as number);
    }
    d.s.agendaQueue = order;
  }
  const index = d.s.agendaQueue.shift() as number;
  d.s.lastTopic = index;
  return agenda[index] ?? null;
}

/** Who starts: round-robin, or weighted by talkativeness × fairness; undefined leaves it to the floor. */
function pickCharacter(d: Draft): string | undefined {
  const { pick, fairness, fairnessHorizon } = d.ctx.options;
  const willing = d.ctx.characters.filter((c) => (c.talkativeness ?? 0.5) > 0);
  if (pick === 'floor' || willing.length === 0) return undefined;
  if (pick === 'round-robin') {
    const all = d.ctx.characters;
    for (let k = 0; k < all.length; k += 1) {
      const c = all[(d.s.turn + k) % all.length] as DirectorCharacter;
      if ((c.talkativeness ?? 0.5) <= 0) continue;
      d.s.turn = (d.s.turn + k + 1) % all.length;
      return c.id;
    }
    return undefined;
  }
  const weighted = willing.map((c) => ({
    item: c.id,
    weight:
      (c.talkativeness ?? 0.5) *
      (1 + fairness * Math.min(d.s.waited[c.id] ?? fairnessHorizon, fairnessHorizon)),
  }));
  return weightedPick(weighted, d.ctx.random);
}
