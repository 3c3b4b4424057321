import type { Relationship, RelationshipKind } from '../../../protocol/index.ts';

// Relationships between characters are stored per session (GroupSettings.relationships) and are
// directional: "Ada is competitive with Bob" says how Ada answers Bob, not how Bob answers Ada.
// They shape the floor in two ways: how likely a character is to answer another (a weight on the
// weighted choice and on whether a chain goes on at all) and how it answers (a one-line hint
// added to that reply's instructions).

/**
 * How much more (or less) likely a character is to answer someone it feels this way about.
 * Rivalry and flirting draw answers; wariness and disdain hold them back.
 */
export const relationshipWeights: Readonly<Record<RelationshipKind, number>> = {
  rival: 1.8,
  competitive: 1.6,
  flirtatious: 1.5,
  mentor: 1.3,
  protective: 1.3,
  admiring: 1.3,
  friendly: 1.2,
  wary: 0.7,
  dismissive: 0.4,
};

const HINTS: Readonly<Record<RelationshipKind, (name: string) => string>> = {
  friendly: (n) => `You are friendly with ${n}: be warm and build on what ${n} said.`,
  competitive: (n) => `You are competitive with ${n}: tease ${n} and try to top what ${n} said.`,
  flirtatious: (n) => `You are flirtatious with ${n}: be playful and a little charming with ${n}.`,
  mentor: (n) => `You are ${n}'s mentor: guide ${n} kindly and add what ${n} missed.`,
  rival: (n) => `${n} is your rival: challenge ${n}'s point, politely but firmly.`,
  protective: (n) => `You are protective of ${n}: back ${n} up.`,
  dismissive: (n) => `You find ${n} tiresome: answer ${n} briefly and move on.`,
  admiring: (n) => `You admire ${n}: say what you liked in what ${n} said.`,
  wary: (n) => `You are wary of ${n}: answer ${n} carefully and keep your distance.`,
};

/** A relationship as it reaches a reply: its kind, its note, and the instruction to add. */
export interface RelationshipHint {
  kind: RelationshipKind;
  note?: string;
  /** One line for the reply's instructions, e.g. "You are competitive with Bob: tease Bob …". */
  hint: string;
}

/** Look-up of the session's relationships by (from, to). The last one given for a pair wins. */
export class Relationships {
  readonly #byPair = new Map<string, Relationship>();

  constructor(relationships: readonly Relationship[] = []) {
    for (const r of relationships) this.#byPair.set(`${r.from}\u0000${r.to}`, r);
  }

  /** How `from` feels about `to`, if the session says. */
  of(from: string, to: string): Relationship | undefined {
    return this.#byPair.get(`${from}\u0000${to}`);
  }

  /** Multiplier on the chance that `from` answers `to`; 1 without a relationship. */
  weight(from: string, to: string): number {
    const r = this.of(from, to);
    return r ? relationshipWeights[r.kind] : 1;
  }

  /** The instruction for `from` answering `to` (called `toName`), if they have a relationship. */
  hint(from: string, to: string, toName: string): RelationshipHint | null {
    const r = this.of(from, to);
    if (!r) return null;
    const hint = HINTS[r.kind](toName) + (r.note ? ` (${r.note})` : '');
    return r.note ? { kind: r.kind, note: r.note, hint } : { kind: r.kind, hint };
  }
}
