import type { SpeakReason } from '../../../protocol/index.ts';
import { addressingHeuristic, namedAddressees } from './addressing.ts';
import { weightedPick, type Random } from './choice.ts';
import type {
  CharacterTurn,
  FloorCharacter,
  FloorEffect,
  FloorOptions,
  FloorControllerState,
  TopicCue,
  Utterance,
} from './floor-types.ts';
import type { Relationships } from './relationships.ts';

// Who gets the floor: the choices of the reducer (floor-reducer.ts). They only plan turns into
// the draft's queue; the reducer decides when a planned turn is prepared or spoken.

export interface FloorContext {
  now: number;
  options: FloorOptions;
  characters: readonly FloorCharacter[];
  relationships: Relationships;
  random: Random;
}

/** A state being reduced: mutated in place (it is a copy), effects appended in order. */
export interface Draft {
  s: FloorControllerState;
  fx: FloorEffect[];
  ctx: FloorContext;
}

const talkativeness = (c: FloorCharacter) => c.talkativeness ?? 0.5;

function nameOf(d: Draft, id: string): string {
  return d.ctx.characters.find((c) => c.id === id)?.name ?? id;
}

/** Plans `characterId`'s reply to `replyTo` at the end of the queue. */
export function plan(
  d: Draft,
  characterId: string,
  reason: SpeakReason,
  replyTo: Utterance | null,
  chainIndex: number,
  weights?: Record<string, number>,
): CharacterTurn {
  d.s.nextId += 1;
  const relationship =
    replyTo?.role === 'character'
      ? d.ctx.relationships.hint(characterId, replyTo.speaker, replyTo.name)
      : null;
  const turn: CharacterTurn = {
    characterId,
    plan: { turnId: `t${d.s.nextId}`, reason, replyTo, chainIndex, relationship },
    status: 'planned',
    text: null,
    followed: false,
  };
  d.s.queue.push(turn);
  d.fx.push({
    type: 'observe',
    observation: {
      kind: 'decision',
      characterId,
      reason,
      replyTo: replyTo?.speaker ?? null,
      ...(weights && { weights }),
    },
  });
  return turn;
}

/** Weight of a character in a weighted choice: talkativeness × relationship × fairness. */
function weightOf(d: Draft, c: FloorCharacter, replyTo: Utterance | null): number {
  const { fairness, fairnessHorizon } = d.ctx.options;
  const waited = Math.min(d.s.waited[c.id] ?? fairnessHorizon, fairnessHorizon);
  const relation = replyTo?.role === 'character' ? d.ctx.relationships.weight(c.id, replyTo.speaker) : 1;
  return talkativeness(c) * relation * (1 + fairness * waited);
}

/** Characters who may answer `replyTo`: everyone but its speaker, unless self-replies are allowed. */
function candidates(d: Draft, replyTo: Utterance | null, exclude: readonly string[] = []): FloorCharacter[] {
  const self = replyTo?.role === 'character' && !d.ctx.options.allowSelfReply ? replyTo.speaker : null;
  return d.ctx.characters.filter((c) => c.id !== self && !exclude.includes(c.id));
}

/**
 * Talkativeness-weighted choice with fairness: characters who have not spoken since the last human
 * turn (with a positive weight) are chosen first; among them the weight decides.
 */
function weightedChoice(
  d: Draft,
  replyTo: Utterance | null,
  exclude: readonly string[] = [],
): { id: string; weights: Record<string, number> } | null {
  const weighted = candidates(d, replyTo, exclude).map((c) => ({
    item: c.id,
    weight: weightOf(d, c, replyTo),
  }));
  const fresh = weighted.filter((w) => w.weight > 0 && !d.s.spokeThisRound.includes(w.item));
  const pool = fresh.length > 0 ? fresh : weighted;
  const id = weightedPick(pool, d.ctx.random);
  return id === undefined ? null : { id, weights: Object.fromEntries(pool.map((w) => [w.item, w.weight])) };
}

/** Plans the answer to a human turn whose addressees (if any) are already known. */
export function planAddressed(d: Draft, utterance: Utterance, addressees: readonly string[]): void {
  const known = [...new Set(addressees)].filter((id) => d.ctx.characters.some((c) => c.id === id));
  if (known.length > 0) {
    for (const id of known) plan(d, id, 'addressed', utterance, 0);
    return;
  }
  const choice = weightedChoice(d, utterance);
  if (choice) plan(d, choice.id, 'weighted', utterance, 0, choice.weights);
}

/** A human turn: names first; the caller handles the LLM hook before falling back to `planHeuristic`. */
export function planMentioned(d: Draft, utterances: readonly Utterance[]): boolean {
  for (const u of [...utterances].reverse()) {
    const named = namedAddressees(u.text, d.ctx.characters);
    if (named.length === 0) continue;
    for (const id of named) plan(d, id, 'mention', u, 0);
    return true;
  }
  return false;
}

/** Addressing read from the words: the character who just spoke, a group, or a weighted choice. */
export function planHeuristic(d: Draft, utterance: Utterance): void {
  const index = d.s.history.lastIndexOf(utterance);
  const before = index >= 0 ? d.s.history.slice(0, index) : d.s.history;
  const previous = before.at(-1);
  const recentCharacters = [
    ...new Set(
      before
        .filter((u) => u.role === 'character')
        .reverse()
        .map((u) => u.speaker),
    ),
  ];
  const addressing = addressingHeuristic(utterance.text, {
    recentCharacters,
    previousCharacter: previous?.role === 'character' ? previous.speaker : null,
  });
  if (addressing.kind === 'previous') return void planAddressed(d, utterance, [addressing.characterId]);
  if (addressing.kind === 'none') return void planAddressed(d, utterance, []);
  const max = Math.min(
    addressing.count === 'all' ? d.ctx.characters.length : addressing.count,
    d.ctx.options.maxGroupReplies,
  );
  // "You two" means the ones who spoke last; "everyone" (and any shortfall) is filled by weighted draws.
  const chosen = addressing.count === 'all' ? [] : recentCharacters.slice(0, max);
  while (chosen.length < max) {
    const next = weightedChoice(d, utterance, chosen);
    if (!next) break;
    chosen.push(next.id);
  }
  for (const id of chosen) plan(d, id, 'addressed', utterance, 0);
}

/**
 * The next link of a chain after `turn` said `text`: a character it names, or with
 * `chainProbability` (scaled by the strongest relationship towards the speaker) a weighted choice.
 */
export function planChain(d: Draft, turn: CharacterTurn, text: string): CharacterTurn | null {
  if (turn.followed) return null;
  turn.followed = true;
  const chainIndex = turn.plan.chainIndex + 1;
  if (chainIndex > d.ctx.options.chainCap || !text.trim()) return null;
  const replyTo: Utterance = {
    speaker: turn.characterId,
    name: nameOf(d, turn.characterId),
    role: 'character',
    text,
    at: d.ctx.now,
  };
  const allowed = candidates(d, replyTo);
  const named = namedAddressees(text, d.ctx.characters).find((id) => allowed.some((c) => c.id === id));
  if (named) return plan(d, named, 'mention', replyTo, chainIndex);
  const willing = allowed.filter((c) => talkativeness(c) > 0);
  if (willing.length === 0) return null;
  const pull = Math.max(...willing.map((c) => d.ctx.relationships.weight(c.id, turn.characterId)));
  if (d.ctx.random() >= Math.min(1, d.ctx.options.chainProbability * pull)) return null;
  const choice = weightedChoice(d, replyTo);
  return choice ? plan(d, choice.id, 'chain', replyTo, chainIndex, choice.weights) : null;
}

/** After `pickupAfterMs` of silence a character picks the conversation up (a new round). */
export function planPickup(d: Draft): boolean {
  d.s.spokeThisRound = [];
  const last = d.s.history.at(-1) ?? null;
  const choice = weightedChoice(d, last);
  if (!choice) return false;
  plan(d, choice.id, 'pickup', last, 0, choice.weights);
  return true;
}

/**
 * A topic from autonomous mode, as a new round: `characterId` when it is in the cast, else a
 * weighted choice. It answers nobody (`replyTo` null); characters may then chain on it.
 */
export function planTopic(d: Draft, topic: TopicCue, characterId: string | undefined): boolean {
  d.s.spokeThisRound = [];
  const known = d.ctx.characters.some((c) => c.id === characterId) ? characterId : undefined;
  const choice = known === undefined ? weightedChoice(d, null) : null;
  const id = known ?? choice?.id;
  if (id === undefined) return false;
  const turn = plan(d, id, 'pickup', null, 0, choice?.weights);
  turn.plan.topic = topic;
  return true;
}
