// Reading a chat line: which command it is, which character it names. Pure.

import { type NamedCharacter, findMentions, namesOf } from '../../conversation/group/addressing.ts';
import type { ChatCommandName } from './types.ts';

export type ParsedLine =
  | { kind: 'ask'; character: string; text: string }
  | { kind: 'command'; name: ChatCommandName; arg: string }
  | { kind: 'mention'; characters: string[] }
  | { kind: 'plain' }
  /** A command we know with an argument we cannot use (unknown character, empty text, …). */
  | { kind: 'invalid'; command: string };

const COMMANDS = new Set(['ask', 'expression', 'motion', 'switch', 'topic']);

/** Names → character id, longest first, without names two characters share. */
export function nameIndex(characters: readonly NamedCharacter[]): Array<[string, string]> {
  const owners = new Map<string, Set<string>>();
  for (const c of characters) {
    for (const name of [...namesOf(c), c.id]) {
      const key = name.toLowerCase();
      owners.set(key, (owners.get(key) ?? new Set()).add(c.id));
    }
  }
  return [...owners]
    .filter(([, ids]) => ids.size === 1)
    .map(([name, ids]): [string, string] => [name, [...ids][0] as string])
    .sort((a, b) => b[0].length - a[0].length);
}

/** The character named at the very start of `rest` ("@Ada hi", "Captain Gale, hi"), and what follows. */
export function leadingCharacter(
  rest: string,
  index: ReadonlyArray<[string, string]>,
): { character: string; after: string } | null {
  const text = rest.replace(/^@/u, '');
  const lower = text.toLowerCase();
  for (const [name, id] of index) {
    if (!lower.startsWith(name)) continue;
    const next = text.slice(name.length);
    if (next !== '' && /^[\p{L}\p{N}]/u.test(next)) continue;
    return { character: id, after: next.replace(/^[\s,:;]+/u, '').trim() };
  }
  return null;
}

export interface ParseOptions {
  prefix: string;
  characters: readonly NamedCharacter[];
  index: ReadonlyArray<[string, string]>;
  /** Allowed `!expression` names, lower case; undefined: any single word. */
  expressions?: ReadonlySet<string>;
  /** Allowed `!motion` names, lower case; undefined: any single word. */
  motions?: ReadonlySet<string>;
  /** Longest `!topic`. */
  maxTopicLength: number;
}

/** What a chat line asks for. */
export function parseLine(text: string, o: ParseOptions): ParsedLine {
  const line = text.trim();
  if (line.startsWith(o.prefix)) {
    const m = /^(\S+)\s*(.*)$/su.exec(line.slice(o.prefix.length));
    const name = (m?.[1] ?? '').toLowerCase();
    const rest = (m?.[2] ?? '').trim();
    if (COMMANDS.has(name)) return parseCommand(name, rest, o);
    // Another bot's command ("!uptime"): not ours, not a question to answer.
    return { kind: 'invalid', command: name };
  }
  const characters = [...new Set(findMentions(line, o.characters).map((m) => m.characterId))];
  return characters.length > 0 ? { kind: 'mention', characters } : { kind: 'plain' };
}

function parseCommand(name: string, rest: string, o: ParseOptions): ParsedLine {
  switch (name) {
    case 'ask': {
      const lead = leadingCharacter(rest, o.index);
      if (!lead || lead.after === '') return { kind: 'invalid', command: name };
      return { kind: 'ask', character: lead.character, text: lead.after };
    }
    case 'switch': {
      const lead = leadingCharacter(rest, o.index);
      if (!lead || lead.after !== '') return { kind: 'invalid', command: name };
      return { kind: 'command', name: 'switch', arg: lead.character };
    }
    case 'expression':
    case 'motion': {
      const arg = rest.toLowerCase();
      const allowed = name === 'expression' ? o.expressions : o.motions;
      if (!/^[\p{L}\p{N}_-]{1,32}$/u.test(arg) || (allowed && !allowed.has(arg)))
        return { kind: 'invalid', command: name };
      return { kind: 'command', name, arg };
    }
    default: {
      if (rest === '' || rest.length > o.maxTopicLength) return { kind: 'invalid', command: name };
      return { kind: 'command', name: 'topic', arg: rest };
    }
  }
}
