import type { GesturePriority, ShowCommandReport, ShowDropReason } from '../../protocol/index.ts';
import type {
  Command,
  CommandEffect,
  CommandEvent,
  CommandOptions,
  CommandSource,
  CommandState,
  GestureCommand,
  LaneItem,
} from './commands-types.ts';

// The dispatcher as a reducer: (state, event, now) → (state, effects). Pure given `now`; the
// controller (commands.ts) owns the clock and wakes it with a `tick` at `nextCommandDeadline()`.

export interface CommandContext {
  now: number;
  options: CommandOptions;
}

interface Draft {
  s: CommandState;
  fx: CommandEffect[];
  ctx: CommandContext;
}

export function initialCommandState(): CommandState {
  return {
    lane: [],
    offered: null,
    taken: {},
    side: {},
    applying: {},
    holds: {},
    floor: null,
    declined: null,
    closed: false,
  };
}

/** The earliest time something changes without an event: a wait runs out, a hold ends, a retry. */
export function nextCommandDeadline(s: CommandState): number | null {
  const times: number[] = [];
  // An item being offered waits for the floor's answer, not for the clock.
  for (const item of s.lane)
    if (item.id !== s.offered) times.push(item.text === null ? item.prepareBy : item.deadline);
  for (const item of Object.values(s.side)) if (item.prepareBy !== null) times.push(item.prepareBy);
  for (const hold of Object.values(s.holds)) times.push(hold.until);
  if (s.declined && s.lane.length > 0) times.push(s.declined.retryAt);
  return times.length > 0 ? Math.min(...times) : null;
}

const RANK: Record<GesturePriority, number> = { low: 0, normal: 1, high: 2 };

export function reduceCommands(
  state: CommandState,
  event: CommandEvent,
  ctx: CommandContext,
): { state: CommandState; effects: CommandEffect[] } {
  const d: Draft = { s: structuredClone(state), fx: [], ctx };
  expire(d);
  switch (event.type) {
    case 'submit':
      submit(d, event.command);
      break;
    case 'floor':
      d.s.floor = { seq: event.message.seq, state: event.message.state, humans: event.message.humans };
      break;
    case 'prepared':
      prepared(d, event.id, event.text);
      break;
    case 'moderated':
      drop(d, event.id, { outcome: 'moderated', ...(event.message ? { message: event.message } : {}) });
      break;
    case 'prepareFailed':
      drop(d, event.id, { outcome: 'dropped', reason: 'failed', message: event.message });
      break;
    case 'offerAnswered':
      answered(d, event.id, event.taken);
      break;
    case 'lineEnded':
      lineEnded(d, event);
      break;
    case 'applied':
      applied(d, event.id, event.result);
      break;
    case 'settled': {
      const item = d.s.side[event.id];
      if (!item) break;
      delete d.s.side[event.id];
      finish(d, event.id, item.source, item.action, {
        outcome: event.outcome === 'done' ? 'done' : 'dropped',
        ...(event.outcome === 'superseded' ? { reason: 'superseded' as const } : {}),
      });
      break;
    }
    case 'close':
      close(d);
      break;
    case 'tick':
      break;
  }
  pump(d);
  return { state: d.s, effects: d.fx };
}

function finish(
  d: Draft,
  id: string,
  source: CommandSource,
  action: Command['action']['type'],
  result: ShowCommandReport,
): void {
  d.fx.push({ type: 'finished', id, source, action, result });
}

const dropped = (reason: ShowDropReason, message?: string): ShowCommandReport => ({
  outcome: 'dropped',
  reason,
  ...(message ? { message } : {}),
});

function submit(d: Draft, c: Command): void {
  const { now, options } = d.ctx;
  const a = c.action;
  if (d.s.closed) return finish(d, c.id, c.source, a.type, dropped('notRunning', 'the show has ended'));
  const wait = { deadline: now + options.floorWaitMs, prepareBy: now + options.prepareTimeoutMs };
  switch (a.type) {
    case 'say':
    case 'topic':
    case 'prompt': {
      if (a.type === 'prompt' && !a.speak) {
        d.s.side[c.id] = { source: c.source, action: a.type, prepareBy: wait.prepareBy };
        d.fx.push({
          type: 'prepare',
          id: c.id,
          kind: 'compose',
          characterId: a.characterId,
          prompt: a.prompt,
        });
        return;
      }
      if (d.s.lane.length >= options.maxQueued)
        return finish(d, c.id, c.source, a.type, dropped('queueFull', 'too many lines are waiting'));
      const item: LaneItem = {
        id: c.id,
        source: c.source,
        action: a.type,
        characterId: a.type === 'topic' ? null : a.characterId,
        text: a.type === 'topic' ? a.text : null,
        interrupt: a.type === 'say' && a.when === 'now',
        ...wait,
      };
      // `now` lines go ahead of the `next` ones (after earlier `now` ones); a head being offered stays first.
      const first = d.s.offered === null ? 0 : 1;
      const at = item.interrupt ? d.s.lane.findIndex((l, i) => i >= first && !l.interrupt) : -1;
      if (at < 0) d.s.lane.push(item);
      else d.s.lane.splice(at, 0, item);
      if (a.type === 'say') d.fx.push({ type: 'prepare', id: c.id, kind: 'moderate', text: a.text });
      if (a.type === 'prompt')
        d.fx.push({
          type: 'prepare',
          id: c.id,
          kind: 'compose',
          characterId: a.characterId,
          prompt: a.prompt,
        });
      return;
    }
    case 'expression':
    case 'motion':
      return gesture(d, c, a);
    default:
      d.s.applying[c.id] = { source: c.source, action: a };
      d.fx.push({ type: 'apply', id: c.id, source: c.source, action: a });
  }
}

/** A held gesture of higher priority refuses it; otherwise the show is asked. */
function gesture(d: Draft, c: Command, a: GestureCommand): void {
  const hold = a.characterId === null ? undefined : d.s.holds[`${a.characterId}/${a.type}`];
  if (hold && RANK[hold.priority] > RANK[a.priority]) {
    const leftS = Math.ceil((hold.until - d.ctx.now) / 1000);
    return finish(
      d,
      c.id,
      c.source,
      a.type,
      dropped('lowerPriority', `a ${hold.priority}-priority ${a.type} holds for ${leftS} s more`),
    );
  }
  d.s.applying[c.id] = { source: c.source, action: a };
  d.fx.push({ type: 'apply', id: c.id, source: c.source, action: a });
}

function applied(d: Draft, id: string, result: Extract<CommandEvent, { type: 'applied' }>['result']): void {
  const job = d.s.applying[id];
  if (!job) return;
  delete d.s.applying[id];
  const a = job.action;
  if (!result.ok)
    return finish(
      d,
      id,
      job.source,
      a.type,
      dropped(result.rateLimited ? 'rateLimited' : 'rejected', result.message),
    );
  if ((a.type === 'expression' || a.type === 'motion') && a.characterId !== null) {
    const key = `${a.characterId}/${a.type}`;
    const before = d.s.holds[key];
    if (a.durationMs === undefined) delete d.s.holds[key];
    else
      d.s.holds[key] = {
        priority: a.priority,
        until: d.ctx.now + a.durationMs,
        // Held gestures in a row return to what was shown before the first of them.
        restore:
          a.type === 'motion'
            ? null
            : (before?.restore ?? result.previousExpression ?? d.ctx.options.restingExpression),
      };
  }
  if (result.pending) {
    d.s.side[id] = { source: job.source, action: a.type, prepareBy: null };
    return;
  }
  finish(d, id, job.source, a.type, { outcome: 'done' });
}

function prepared(d: Draft, id: string, text: string): void {
  const item = d.s.lane.find((l) => l.id === id);
  if (item) {
    item.text = text;
    return;
  }
  const side = d.s.side[id];
  if (!side || side.prepareBy === null) return;
  delete d.s.side[id];
  finish(d, id, side.source, side.action, { outcome: 'done', text });
}

/** A lane or side item ends before the floor took it. */
function drop(d: Draft, id: string, result: ShowCommandReport): void {
  const i = d.s.lane.findIndex((l) => l.id === id);
  const item = d.s.lane[i];
  if (item) {
    if (d.s.offered === id) d.s.offered = null;
    d.s.lane.splice(i, 1);
    return finish(d, id, item.source, item.action, result);
  }
  const side = d.s.side[id];
  if (!side) return;
  delete d.s.side[id];
  finish(d, id, side.source, side.action, result);
}

function answered(d: Draft, id: string, taken: boolean): void {
  if (d.s.offered !== id) return;
  d.s.offered = null;
  const item = d.s.lane[0];
  if (item?.id !== id) return;
  if (!taken) {
    d.s.declined = { seq: d.s.floor?.seq ?? null, retryAt: d.ctx.now + d.ctx.options.retryMs };
    return;
  }
  d.s.lane.shift();
  d.s.declined = null;
  if (item.action === 'topic') return finish(d, id, item.source, 'topic', { outcome: 'done' });
  if (item.interrupt) for (const line of Object.values(d.s.taken)) line.superseded = true;
  d.s.taken[id] = { item, superseded: false };
}

function lineEnded(d: Draft, e: Extract<CommandEvent, { type: 'lineEnded' }>): void {
  const taken = d.s.taken[e.id];
  if (!taken) return;
  delete d.s.taken[e.id];
  const { item, superseded } = taken;
  const { source, action } = item;
  if (!e.audible) {
    if (superseded) return finish(d, e.id, source, action, dropped('superseded', 'a newer line came first'));
    // Nobody heard it (a person began first): it waits for the floor again, at the front.
    if (item.deadline <= d.ctx.now)
      return finish(d, e.id, source, action, dropped('noFloor', 'no free floor in time'));
    d.s.lane.unshift(item);
    return;
  }
  const heard = e.heardText.trim() || (item.text ?? '');
  if (!e.interrupted) return finish(d, e.id, source, action, { outcome: 'spoken', text: heard });
  finish(d, e.id, source, action, { ...dropped(superseded ? 'superseded' : 'interrupted'), text: heard });
}

function close(d: Draft): void {
  const gone = dropped('notRunning', 'the show ended first');
  for (const item of d.s.lane) finish(d, item.id, item.source, item.action, gone);
  for (const [id, { item }] of Object.entries(d.s.taken)) finish(d, id, item.source, item.action, gone);
  for (const [id, item] of Object.entries(d.s.side)) finish(d, id, item.source, item.action, gone);
  for (const [id, job] of Object.entries(d.s.applying)) finish(d, id, job.source, job.action.type, gone);
  Object.assign(d.s, { ...initialCommandState(), closed: true });
}

/** Waits that ran out and holds that ended. */
function expire(d: Draft): void {
  const { now } = d.ctx;
  for (const item of [...d.s.lane]) {
    if (item.id === d.s.offered) continue;
    if (item.text === null && item.prepareBy <= now)
      drop(d, item.id, dropped('failed', 'its words were not ready in time'));
    else if (item.text !== null && item.deadline <= now)
      drop(d, item.id, dropped('noFloor', 'no free floor in time'));
  }
  for (const [id, item] of Object.entries(d.s.side))
    if (item.prepareBy !== null && item.prepareBy <= now)
      drop(d, id, dropped('failed', 'the answer was not ready in time'));
  for (const [key, hold] of Object.entries(d.s.holds)) {
    if (hold.until > now) continue;
    delete d.s.holds[key];
    const characterId = key.slice(0, key.lastIndexOf('/'));
    if (hold.restore !== null) d.fx.push({ type: 'restore', characterId, name: hold.restore });
  }
}

/** Offers the lane's head to the floor when the floor could take it. */
function pump(d: Draft): void {
  const s = d.s;
  // Past its retry time a declined offer waits for nothing more than the floor being free.
  if (s.declined && d.ctx.now >= s.declined.retryAt) s.declined = null;
  const head = s.lane[0];
  if (s.closed || !head || s.offered !== null || head.text === null) return;
  const floor = s.floor ?? { seq: null, state: 'open', humans: [] };
  if (floor.humans.length > 0 || floor.state === 'human') return;
  const ownLine = Object.keys(s.taken).length > 0;
  const free = floor.state === 'open' && !ownLine;
  if (!(free || (head.interrupt && head.action !== 'topic'))) return;
  if (s.declined && s.declined.seq === floor.seq) return;
  s.offered = head.id;
  s.declined = null;
  if (head.action === 'topic') d.fx.push({ type: 'offer', id: head.id, kind: 'topic', text: head.text });
  else
    d.fx.push({
      type: 'offer',
      id: head.id,
      kind: 'line',
      characterId: head.characterId ?? '',
      text: head.text,
      interrupt: head.interrupt,
    });
}
