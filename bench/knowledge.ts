import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { DbKind } from '../db/client.ts';
import { seedCharacters } from '../db/seed.ts';
import { openTestDb, testCharacters } from '../db/testing.ts';
import type { Character } from '../protocol/index.ts';
import { rowsOf } from '../api/services/knowledge/embeddings.ts';
import { queryTerms } from '../api/services/knowledge/query.ts';
import { KnowledgeService } from '../api/services/knowledge/service.ts';
import { seededRandom } from '../agent/conversation/group/choice.ts';
import { runBench } from './run.ts';

// bench:knowledge — retrieval for one turn from a character with 10,000 passages (plus other
// characters' passages as noise), on PGlite and on Postgres: the service's full-text search next to
// a naive ILIKE scan over the same rows, in the same run. Target: p95 ≤ 50 ms.

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10_000);
const NOISE_CHUNKS_PER_CHARACTER = Number(process.env.BENCH_NOISE_CHUNKS ?? 3000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const TARGET_P95_MS = 50;

const NAMES =
  'Marta Oskar Ines Tobias Wren Pellow Aldous Brigid Cato Dunya Elspeth Farid Greta Hollis Ivo Juno'.split(
    ' ',
  );
const PLACES =
  'harbour lighthouse market chapel orchard quarry mill ferry bridge tannery bakery forge library observatory vineyard abbey'.split(
    ' ',
  );
const NOUNS =
  'lantern ledger compass kettle anchor violin telescope herring barrel saddle ribbon clockwork map letter key engine loom bell garden recipe storm treaty debt wedding festival'.split(
    ' ',
  );
const ADJECTIVES = 'old brass crooked silver quiet famous broken secret painted salted northern hidden'.split(
  ' ',
);
const VERBS = 'keeps repairs sells remembers hides borrowed lost found painted mended counts guards'.split(
  ' ',
);
const YEARS = ['1887', '1902', '1921', '1948', '1962', '1979', '1994'];

function sentence(r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const templates = [
    () => `${pick(NAMES)} ${pick(VERBS)} the ${pick(ADJECTIVES)} ${pick(NOUNS)} near the ${pick(PLACES)}.`,
    () =>
      `Since ${pick(YEARS)} the ${pick(PLACES)} has kept a ${pick(ADJECTIVES)} ${pick(NOUNS)} for the ${pick(NOUNS)} festival.`,
    () =>
      `People say the ${pick(NOUNS)} of ${pick(NAMES)} was ${pick(VERBS)} during the ${pick(ADJECTIVES)} ${pick(NOUNS)} of ${pick(YEARS)}.`,
    () =>
      `Ask ${pick(NAMES)} about the ${pick(PLACES)}: the ${pick(ADJECTIVES)} ${pick(NOUNS)} is still there.`,
  ];
  return pick(templates)();
}

/** A Markdown document of `sections` sections, each a few paragraphs of 4–7 sentences. */
function document(r: () => number, sections: number): string {
  const out: string[] = [`# Notes on the ${PLACES[Math.floor(r() * PLACES.length)]}`];
  for (let s = 0; s < sections; s++) {
    out.push(`## ${NOUNS[Math.floor(r() * NOUNS.length)]} and ${NAMES[Math.floor(r() * NAMES.length)]}`);
    for (let p = 0; p < 3; p++) {
      out.push(Array.from({ length: 4 + Math.floor(r() * 4) }, () => sentence(r)).join(' '));
    }
  }
  return out.join('\n\n');
}

function question(r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const forms = [
    () => `who ${pick(VERBS)} the ${pick(NOUNS)} at the ${pick(PLACES)}?`,
    () => `what happened to the ${pick(ADJECTIVES)} ${pick(NOUNS)} in ${pick(YEARS)}?`,
    () => `tell me about ${pick(NAMES)} and the ${pick(PLACES)}`,
    () => `is the ${pick(NOUNS)} still at the ${pick(PLACES)}`,
    () => `where did ${pick(NAMES)} hide the ${pick(NOUNS)}`,
  ];
  return pick(forms)();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

const noiseCharacter = (i: number): Character => ({
  ...testCharacters[1]!,
  id: `bench-noise-${i}`,
  name: `Noise ${i}`,
});

/** Adds documents until the character has at least `target` passages. */
async function fill(
  service: KnowledgeService,
  characterId: string,
  target: number,
  r: () => number,
): Promise<number> {
  let total = 0;
  for (let d = 0; total < target; d++) {
    const doc = await service.addDocument(characterId, {
      title: `Doc ${d}`,
      format: 'markdown',
      content: document(r, 60),
    });
    total += doc.chunkCount;
  }
  return total;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function benchOne(kind: DbKind): Promise<string[]> {
  const { handle, cleanup } = await openTestDb(kind);
  try {
    await seedCharacters(handle.db, [...testCharacters, ...[1, 2, 3].map(noiseCharacter)]);
    const service = new KnowledgeService(handle.db);
    const r = seededRandom(42);
    const loadStarted = performance.now();
    const chunks = await fill(service, 'test-ada', CHUNKS, r);
    let noise = 0;
    for (const i of [1, 2, 3])
      noise += await fill(service, `bench-noise-${i}`, NOISE_CHUNKS_PER_CHARACTER, r);
    await handle.db.execute(sql`analyze knowledge_chunks`);
    process.stdout.write(
      `${kind}: ${chunks} passages for the character, ${noise} for 3 others, loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s\n`,
    );
    const q = seededRandom(7);
    const questions = Array.from({ length: QUERIES }, () => question(q));
    // The naive way: any content word as a substring, case-insensitive, scanning every row.
    const ilike = (text: string) => {
      const terms = queryTerms(text).filter((t) => t.length > 3);
      const any = sql.join(
        terms.map((t) => sql`content ilike ${`%${t}%`}`),
        sql` or `,
      );
      return handle.db.execute(
        sql`select id, content from knowledge_chunks where character_id = 'test-ada' and (${any}) limit 5`,
      );
    };
    for (const text of questions.slice(0, 10)) {
      await service.search(['test-ada'], text, 5);
      await ilike(text);
    }
    const fts: number[] = [];
    const naive: number[] = [];
    let found = 0;
    // Interleaved, so both see the same machine load.
    for (const text of questions) {
      fts.push(
        await time(async () => {
          if ((await service.search(['test-ada'], text, 5)).length > 0) found++;
        }),
      );
      naive.push(await time(async () => rowsOf(await ilike(text))));
    }
    const row = (name: string, v: number[]) =>
      `| ${kind} | ${name} | ${v.length} | ${percentile(v, 50).toFixed(1)} | ${percentile(v, 95).toFixed(1)} | ${Math.max(...v).toFixed(1)} |`;
    const p95 = percentile(fts, 95);
    return [
      row('KnowledgeService.search (full-text, ts_rank_cd)', fts),
      row('baseline: ILIKE scan, any term', naive),
      `| ${kind} | target p95 ≤ ${TARGET_P95_MS} ms | | | ${p95 <= TARGET_P95_MS ? 'met' : 'NOT met'} (${p95.toFixed(1)}) | ${found}/${QUERIES} queries found passages |`,
    ];
  } finally {
    await cleanup();
  }
}

runBench('bench:knowledge', async () => {
  const rows: string[] = [];
  for (const kind of ['pglite', 'postgres'] as const) rows.push(...(await benchOne(kind)));
  process.stdout.write(
    [
      '',
      `retrieval of 5 passages from ${CHUNKS}+ passages of one character, ${QUERIES} queries, milliseconds`,
      '| database | method | queries | p50 | p95 | max |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
});
