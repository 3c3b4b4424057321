import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { rowsOf } from './embeddings.ts';

/** A passage just written, for the vector index. */
export interface NewChunk {
  id: string;
  heading: string;
  content: string;
}

/**
 * Writes one passage for each of the character's lorebook entries that has none yet, its name as
 * the heading so that it is searched too; returns the new passages. Idempotent, so the card import
 * calls it in its own transaction and the knowledge service calls it again for entries stored
 * before passages existed. An entry and its passage go together: deleting the entry (or the
 * character) deletes the passage by cascade.
 */
export async function syncLorebookChunks(db: Pick<Db, 'execute'>, characterId: string): Promise<NewChunk[]> {
  const result = await db.execute(sql`
    insert into knowledge_chunks (character_id, entry_id, ordinal, heading, content)
    select e.character_id, e.id, 0, coalesce(e.name, ''), e.content
    from knowledge_entries e
    where e.character_id = ${characterId}
      and not exists (select 1 from knowledge_chunks c where c.entry_id = e.id)
    returning id, heading, content`);
  return rowsOf<NewChunk>(result);
}
