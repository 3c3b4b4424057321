import { asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { characters } from '../../db/schema.ts';
import type { Character } from '../../protocol/index.ts';

type CharacterRow = typeof characters.$inferSelect;

function toCharacter(row: CharacterRow): Character {
  return {
    id: row.id,
    name: row.name,
    tagline: row.tagline,
    persona: row.persona,
    greeting: row.greeting,
    avatarUrl: row.avatarUrl,
    voice: row.voice,
    builtIn: row.builtIn,
  };
}

/** Reads characters. Writes happen through db/seed.ts (built-ins) and, later, the builder. */
export class CharacterRepository {
  constructor(private readonly db: Db) {}

  /** Built-in characters first, then by name. */
  async list(): Promise<Character[]> {
    const rows = await this.db
      .select()
      .from(characters)
      .orderBy(desc(characters.builtIn), asc(characters.name));
    return rows.map(toCharacter);
  }

  async get(id: string): Promise<Character | undefined> {
    const [row] = await this.db.select().from(characters).where(eq(characters.id, id)).limit(1);
    return row ? toCharacter(row) : undefined;
  }
}
