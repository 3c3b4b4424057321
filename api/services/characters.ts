import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, notExists, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { characters, knowledgeEntries, sessions } from '../../db/schema.ts';
import type { Character, CreateCharacterRequest, UpdateCharacterRequest } from '../../protocol/index.ts';
import type { KnowledgeEntry } from '../cards/index.ts';
import { visibleCharactersWhere, type Principal } from './access.ts';
import { syncLorebookChunks } from './knowledge/lorebook.ts';

type CharacterRow = typeof characters.$inferSelect;

export function toCharacter(row: CharacterRow): Character {
  return {
    id: row.id,
    name: row.name,
    tagline: row.tagline,
    persona: row.persona,
    greeting: row.greeting,
    avatarUrl: row.avatarUrl,
    voice: row.voice,
    builtIn: row.builtIn,
    ownerId: row.ownerId,
    visibility: row.visibility,
    description: row.description,
    alternateGreetings: row.alternateGreetings,
    exampleDialogue: row.exampleDialogue,
    talkativeness: row.talkativeness,
    tags: row.tags,
  };
}

/** A character as stored for card export: the public fields, its lorebook and the imported card. */
export interface CharacterForExport {
  character: Character;
  knowledge: KnowledgeEntry[];
  /** The card it was imported from, as parsed; undefined for characters made in Troupe. */
  cardRaw: unknown;
}

/** `Ms. Marple!` → `ms-marple-3f9a1c`: a slug of the name and a random suffix, so names may repeat. */
export function characterIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    // Accents come apart from their letters under NFKD; dropping the marks keeps the letters.
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${slug || 'character'}-${randomBytes(3).toString('hex')}`;
}

/** Characters: built-ins come from db/seed.ts; accounts create, change and delete their own here. */
export class CharacterRepository {
  constructor(private readonly db: Db) {}

  /** The characters the principal may see: built-in first, then by name. */
  async list(principal?: Principal): Promise<Character[]> {
    const rows = await this.db
      .select()
      .from(characters)
      .where(visibleCharactersWhere(principal))
      .orderBy(desc(characters.builtIn), asc(characters.name), asc(characters.id));
    return rows.map(toCharacter);
  }

  /** Any character by id, whoever may see it: callers decide with access.ts. */
  async get(id: string): Promise<Character | undefined> {
    const [row] = await this.db.select().from(characters).where(eq(characters.id, id)).limit(1);
    return row ? toCharacter(row) : undefined;
  }

  async create(ownerId: string, input: CreateCharacterRequest): Promise<Character> {
    const [row] = await this.db
      .insert(characters)
      .values({ ...input, id: characterIdFor(input.name), ownerId, builtIn: false })
      .returning();
    return toCharacter(row!);
  }

  /**
   * Creates a character from an imported card, with its lorebook and the card itself, at once.
   * `cardHash` (api/cards/library-hash.ts) lets a later library import recognise the same card.
   */
  async createImported(
    ownerId: string,
    input: CreateCharacterRequest,
    knowledge: readonly KnowledgeEntry[],
    cardRaw: unknown,
    cardHash?: string,
  ): Promise<Character> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(characters)
        .values({
          ...input,
          id: characterIdFor(input.name),
          ownerId,
          builtIn: false,
          cardRaw,
          cardHash: cardHash ?? null,
        })
        .returning();
      if (knowledge.length > 0)
        await tx.insert(knowledgeEntries).values(
          knowledge.map((k) => ({
            characterId: row!.id,
            keys: k.keys,
            content: k.content,
            enabled: k.enabled,
            name: k.name ?? null,
            priority: k.priority ?? null,
            sourceIndex: k.sourceIndex ?? null,
          })),
        );
      // Each entry is also a searchable passage, written with it (api/services/knowledge).
      if (knowledge.length > 0) await syncLorebookChunks(tx, row!.id);
      return toCharacter(row!);
    });
  }

  /** The id of one of the owner's characters imported from the card with this hash, if any. */
  async findByCardHash(ownerId: string, cardHash: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ id: characters.id })
      .from(characters)
      .where(and(eq(characters.ownerId, ownerId), eq(characters.cardHash, cardHash)))
      .orderBy(asc(characters.createdAt))
      .limit(1);
    return row?.id;
  }

  /** Everything card export needs; callers decide with access.ts whether the caller may have it. */
  async getForExport(id: string): Promise<CharacterForExport | undefined> {
    const [row] = await this.db.select().from(characters).where(eq(characters.id, id)).limit(1);
    if (!row) return undefined;
    const entries = await this.knowledge(id);
    return { character: toCharacter(row), knowledge: entries, cardRaw: row.cardRaw ?? undefined };
  }

  /** A character's lorebook, in the card's order (entries made in Troupe after imported ones). */
  async knowledge(characterId: string): Promise<KnowledgeEntry[]> {
    const rows = await this.db
      .select()
      .from(knowledgeEntries)
      .where(eq(knowledgeEntries.characterId, characterId))
      .orderBy(
        sql`${knowledgeEntries.sourceIndex} asc nulls last`,
        asc(knowledgeEntries.createdAt),
        asc(knowledgeEntries.id),
      );
    return rows.map((r) => {
      const entry: KnowledgeEntry = { keys: r.keys, content: r.content, enabled: r.enabled };
      if (r.name !== null) entry.name = r.name;
      if (r.priority !== null) entry.priority = r.priority;
      if (r.sourceIndex !== null) entry.sourceIndex = r.sourceIndex;
      return entry;
    });
  }

  async update(id: string, patch: UpdateCharacterRequest): Promise<Character | undefined> {
    const [row] = await this.db
      .update(characters)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(eq(characters.id, id))
      .returning();
    return row ? toCharacter(row) : undefined;
  }

  /** Deletes a character no session refers to: sessions keep their character, so one in use stays. */
  async delete(id: string): Promise<'deleted' | 'in_use' | 'not_found'> {
    const deleted = await this.db
      .delete(characters)
      .where(
        and(
          eq(characters.id, id),
          notExists(
            this.db
              .select({ one: sql`1` })
              .from(sessions)
              .where(eq(sessions.characterId, id)),
          ),
        ),
      )
      .returning({ id: characters.id });
    if (deleted.length > 0) return 'deleted';
    return (await this.get(id)) ? 'in_use' : 'not_found';
  }
}
