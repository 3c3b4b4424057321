import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { identifyCard } from './card.ts';

/**
 * What makes two cards the same card: sha256 (hex) of the card's data fields (`data` of a V2/V3
 * card, the top level of a V1 card) serialised with sorted keys. The container does not count: the
 * same card as JSON, as a PNG or inside a .charx hashes alike; neither does the image nor the
 * `spec` wrapper. `raw` is an ImportedCard's `raw`, which importCard has already recognised.
 */
export function cardContentHash(raw: unknown): string {
  const { data } = identifyCard(raw, 'the card');
  // Sorted keys make the text independent of the writer's key order; JSON values have no cycles.
  const canonical = stringify(data);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
