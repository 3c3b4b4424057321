import { and, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  characterAvatars,
  characters,
  knowledgeChunks,
  knowledgeDocuments,
  knowledgeEntries,
  sessionCharacters,
} from '../../db/schema.ts';
import type {
  Character,
  CharacterListQuery,
  CharacterPage,
  CharacterSort,
  CharacterVisibility,
} from '../../protocol/index.ts';
import { UnauthorizedError } from '../errors.ts';
import { visibleCharactersWhere, type Principal } from './access.ts';
import { characterIdFor, toCharacter } from './characters.ts';
import { after, containsPattern, decodeCursor, keyColumns, orderTerms, type SortKey } from './keyset.ts';
import { keysetPage } from './keyset-page.ts';

/** How many sessions a character was in (group sessions count for each of their characters). */
const sessionCount = sql`(select count(*) from ${sessionCharacters} where ${sessionCharacters.characterId} = ${characters.id})`;

/** Each order ends in the id, so that it is total and a cursor names one place in it. */
const ORDERS: Record<CharacterSort | 'featured', SortKey[]> = {
  featured: [
    { expr: characters.builtIn, dir: 'desc', cast: 'boolean' },
    { expr: characters.name, dir: 'asc', cast: 'text' },
    { expr: characters.id, dir: 'asc', cast: 'text' },
  ],
  name: [
    { expr: characters.name, dir: 'asc', cast: 'text' },
    { expr: characters.id, dir: 'asc', cast: 'text' },
  ],
  newest: [
    { expr: characters.createdAt, dir: 'desc', cast: 'timestamptz' },
    { expr: characters.id, dir: 'desc', cast: 'text' },
  ],
  popular: [
    { expr: sessionCount, dir: 'desc', cast: 'bigint' },
    { expr: characters.id, dir: 'asc', cast: 'text' },
  ],
};

/** The catalog (search, filters, pages), publishing and cloning. Access rules come from access.ts. */
export class CatalogService {
  constructor(private readonly db: Db) {}

  /** One page of the characters the principal may see that match the query. */
  async list(principal: Principal | undefined, query: CharacterListQuery): Promise<CharacterPage> {
    const filter = and(...this.filters(principal, query));
    const orderName = query.sort ?? 'featured';
    const keys = ORDERS[orderName];
    const cursor = query.cursor ? after(keys, decodeCursor(query.cursor, orderName, keys)) : undefined;
    const rows = await this.db
      .select({ row: characters, ...keyColumns(keys) })
      .from(characters)
      .where(and(filter, cursor))
      .orderBy(...orderTerms(keys))
      .limit(query.limit + 1);
    const [{ total } = { total: 0 }] = await this.db
      .select({ total: sql<number>`count(*)::int`.mapWith(Number) })
      .from(characters)
      .where(filter);
    const page = keysetPage(rows, query.limit, orderName, keys);
    return { characters: page.rows.map((row) => toCharacter(row)), nextCursor: page.nextCursor, total };
  }

  private filters(p: Principal | undefined, query: CharacterListQuery): (SQL | undefined)[] {
    const out: (SQL | undefined)[] = [visibleCharactersWhere(p)];
    switch (query.scope) {
      case 'mine':
        if (!p) throw new UnauthorizedError('sign in to list your own characters');
        out.push(eq(characters.ownerId, p.id));
        break;
      case 'builtin':
        out.push(eq(characters.builtIn, true));
        break;
      case 'public':
        out.push(eq(characters.visibility, 'public'), eq(characters.builtIn, false));
        break;
      case 'all':
        break;
    }
    if (query.q !== undefined) {
      const pattern = containsPattern(query.q);
      // Tags are a jsonb array: its text form holds every tag, quoted.
      out.push(
        sql`(${characters.name} ilike ${pattern} or ${characters.tagline} ilike ${pattern} or ${characters.description} ilike ${pattern} or ${characters.tags}::text ilike ${pattern})`,
      );
    }
    const tags = query.tag === undefined ? [] : [query.tag].flat();
    if (tags.length > 0) out.push(sql`${characters.tags} @> ${JSON.stringify([...new Set(tags)])}::jsonb`);
    return out;
  }

  /** Sets a character's visibility; resolves undefined if it is gone. */
  async setVisibility(id: string, visibility: CharacterVisibility): Promise<Character | undefined> {
    const [row] = await this.db
      .update(characters)
      .set({ visibility, updatedAt: sql`now()` })
      .where(eq(characters.id, id))
      .returning();
    return row ? toCharacter(row) : undefined;
  }

  /**
   * A private copy of `sourceId` owned by `ownerId`: builder fields, voice, the imported card, the
   * knowledge (entries, documents and their chunks) and the uploaded avatar, in one transaction.
   */
  async clone(sourceId: string, ownerId: string, name?: string): Promise<Character | undefined> {
    return this.db.transaction(async (tx) => {
      const [source] = await tx.select().from(characters).where(eq(characters.id, sourceId)).limit(1);
      if (!source) return undefined;
      const id = characterIdFor(name ?? source.name);
      const { id: _i, createdAt: _c, updatedAt: _u, ...fields } = source;
      const [created] = await tx
        .insert(characters)
        .values({
          ...fields,
          id,
          name: name ?? source.name,
          ownerId,
          builtIn: false,
          visibility: 'private',
          // An uploaded avatar is served under the character's own path.
          avatarUrl: source.avatarUrl.replace(`/api/characters/${sourceId}/`, `/api/characters/${id}/`),
        })
        .returning();

      const entryIds = new Map<string, string>();
      const entries = await tx
        .select()
        .from(knowledgeEntries)
        .where(eq(knowledgeEntries.characterId, sourceId));
      if (entries.length > 0) {
        const copies = entries.map(({ id: old, createdAt: _, ...e }) => {
          const copy = { ...e, id: crypto.randomUUID(), characterId: id };
          entryIds.set(old, copy.id);
          return copy;
        });
        await tx.insert(knowledgeEntries).values(copies);
      }
      const documentIds = new Map<string, string>();
      const documents = await tx
        .select()
        .from(knowledgeDocuments)
        .where(eq(knowledgeDocuments.characterId, sourceId));
      if (documents.length > 0) {
        const copies = documents.map(({ id: old, createdAt: _, ...d }) => {
          const copy = { ...d, id: crypto.randomUUID(), characterId: id };
          documentIds.set(old, copy.id);
          return copy;
        });
        await tx.insert(knowledgeDocuments).values(copies);
      }
      // `search` is generated by the database from the copied text.
      const { search: _s, ...chunkColumns } = getTableColumns(knowledgeChunks);
      const chunks = await tx
        .select(chunkColumns)
        .from(knowledgeChunks)
        .where(eq(knowledgeChunks.characterId, sourceId));
      if (chunks.length > 0)
        await tx.insert(knowledgeChunks).values(
          chunks.map(({ id: _, documentId, entryId, ...c }) => ({
            ...c,
            characterId: id,
            documentId: documentId === null ? null : (documentIds.get(documentId) ?? null),
            entryId: entryId === null ? null : (entryIds.get(entryId) ?? null),
          })),
        );
      const avatars = await tx
        .select()
        .from(characterAvatars)
        .where(inArray(characterAvatars.characterId, [sourceId]));
      if (avatars[0])
        await tx.insert(characterAvatars).values({ ...avatars[0], characterId: id, updatedAt: new Date() });
      return toCharacter(created!);
    });
  }
}
