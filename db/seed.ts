import { isNull, sql } from 'drizzle-orm';
import { Character } from '../protocol/index.ts';
import type { Db } from './client.ts';
import { characters } from './schema.ts';

/**
 * Upserts characters by id, so edits to the built-in companions reach databases seeded by an
 * earlier release. Characters missing from the list are left alone: sessions may still refer to them.
 * Seeded characters belong to no account and everyone sees them; a row with the same id that an
 * account owns is never overwritten. Throws a ZodError before writing anything when a character
 * does not match the protocol.
 */
export async function seedCharacters(db: Db, list: readonly Character[]): Promise<number> {
  const valid = Character.array().parse(list);
  if (valid.length === 0) return 0;
  await db
    .insert(characters)
    .values(valid.map((c) => ({ ...c, ownerId: null, visibility: 'public' as const })))
    .onConflictDoUpdate({
      target: characters.id,
      set: {
        name: sql`excluded.name`,
        tagline: sql`excluded.tagline`,
        persona: sql`excluded.persona`,
        greeting: sql`excluded.greeting`,
        avatarUrl: sql`excluded.avatar_url`,
        voice: sql`excluded.voice`,
        builtIn: sql`excluded.built_in`,
        updatedAt: sql`now()`,
      },
      where: isNull(characters.ownerId),
    });
  return valid.length;
}
