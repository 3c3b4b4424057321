import type { Turn } from '../../protocol/index.ts';
import { formatDuration } from './format.ts';

/**
 * An interrupted reply, split into what the caller heard and what was generated but cut off.
 * `heardText` is normally a prefix of `text`; when it is not (the agent trimmed differently),
 * the whole of `text` beyond the heard length is the unheard part, so nothing is shown twice.
 */
export function splitHeard(turn: Pick<Turn, 'text' | 'heardText' | 'interrupted'>): {
  heard: string;
  unheard: string;
} {
  if (!turn.interrupted) return { heard: turn.text, unheard: '' };
  const heard = turn.heardText;
  if (turn.text.startsWith(heard)) return { heard, unheard: turn.text.slice(heard.length) };
  return { heard, unheard: turn.text.length > heard.length ? turn.text.slice(heard.length) : '' };
}

/** A turn's time from the session's start, `m:ss`; `0:00` for a turn stamped before it. */
export function offsetLabel(startedAt: string, sessionStart: string): string {
  return formatDuration(Date.parse(startedAt) - Date.parse(sessionStart));
}
