// Cards written for the tests, and an independent PNG reader/writer built on node:zlib, so the
// tests do not check the module's PNG code against itself.
import { crc32, deflateSync } from 'node:zlib';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { CardError } from './errors.ts';

export type Json = Record<string, unknown>;

/** A TavernAI V1 card, with the fields SillyTavern adds to its own files. */
export function v1Card(): Json {
  return {
    name: 'Mira',
    description: '{{char}} is a lighthouse keeper on a windy island.',
    personality: 'patient, dry humour',
    scenario: '{{user}} washes up on the shore during a storm.',
    first_mes: '*Mira holds up a lantern.* You look half-drowned.',
    mes_example: '<START>\n{{user}}: Where am I?\n{{char}}: Somewhere the ferry forgot.',
    avatar: 'none',
    chat: 'Mira - 2023-05-01@12h00m00s',
    create_date: '2023-05-01@12h00m00s',
    talkativeness: '0.5',
    metadata: { version: 1, created: 1682942400000, tool: { name: 'TavernAI', version: '1.2.8' } },
  };
}

/** A V2 card as SillyTavern writes it: V1 fields repeated at the top, a lorebook, other tools' extensions. */
export function v2Card(): Json {
  const data: Json = {
    name: 'Captain Oro',
    description: 'Oro captains the airship *Kestrel* and owes money to everyone.',
    personality: 'boastful, loyal, terrible with numbers',
    scenario: 'The Kestrel is docked at a sky-port; {{user}} is the new navigator.',
    first_mes: 'Welcome aboard! Mind the hole in the deck.',
    mes_example: '<START>\n{{char}}: Numbers are a suggestion.',
    creator_notes: 'Works best with a sense of humour.',
    system_prompt: 'Stay in character as {{char}}.',
    post_history_instructions: 'Keep replies under 100 words.',
    alternate_greetings: ['Ah, the navigator. Do you know how to read a map?', ''],
    character_book: {
      name: 'Kestrel lore',
      description: 'Places and people aboard.',
      scan_depth: 4,
      token_budget: 512,
      recursive_scanning: false,
      extensions: { chub: { alt_expressions: {} } },
      entries: [
        {
          id: 0,
          keys: ['Kestrel', 'airship'],
          secondary_keys: [],
          comment: 'The ship',
          content: 'The Kestrel is an old cargo airship with a patched balloon.',
          constant: false,
          selective: false,
          insertion_order: 100,
          enabled: true,
          position: 'before_char',
          extensions: {
            position: 0,
            exclude_recursion: false,
            probability: 100,
            useProbability: true,
            depth: 4,
          },
        },
        {
          id: 1,
          keys: ['Vell'],
          name: 'Vell',
          priority: 10,
          content: 'Vell is the quartermaster who keeps the real accounts.',
          insertion_order: 90,
          enabled: false,
          case_sensitive: true,
          extensions: {},
        },
      ],
    },
    tags: ['adventure', 'comedy'],
    creator: 'test-author',
    character_version: '1.1',
    extensions: {
      talkativeness: '0.4',
      fav: false,
      world: 'Kestrel lore',
      depth_prompt: { prompt: 'Oro hums sea shanties.', depth: 4, role: 'system' },
      chub: { id: 12345, full_path: 'someone/captain-oro' },
    },
  };
  return {
    name: data.name,
    description: data.description,
    personality: data.personality,
    scenario: data.scenario,
    first_mes: data.first_mes,
    mes_example: data.mes_example,
    creatorcomment: data.creator_notes,
    avatar: 'none',
    talkativeness: '0.4',
    fav: false,
    tags: data.tags,
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data,
    create_date: '2024-02-03T10:00:00.000Z',
  };
}

/** A V3 card carrying Troupe's own extension, V3-only fields and a RisuAI-style lorebook entry. */
export function v3Card(): Json {
  return {
    spec: 'chara_card_v3',
    spec_version: '3.0',
    data: {
      name: 'Professor Lune',
      nickname: 'Lune',
      description: 'An astronomer who talks to the moon.',
      personality: 'absent-minded, kind',
      scenario: '',
      first_mes: 'Oh! A visitor. Mind the telescope.',
      mes_example: '',
      creator_notes: 'A gentle companion for stargazing.',
      creator_notes_multilingual: { en: 'A gentle companion.', fr: 'Un compagnon doux.' },
      system_prompt: '',
      post_history_instructions: '',
      alternate_greetings: [],
      group_only_greetings: ['Everyone, look up!'],
      character_book: {
        extensions: {},
        entries: [
          {
            keys: ['moon'],
            content: 'Lune believes the moon answers on clear nights.',
            extensions: { risuai: { mode: 'normal' } },
            enabled: true,
            insertion_order: 0,
            use_regex: false,
            id: 'entry-moon',
            name: 'The moon',
          },
        ],
      },
      tags: ['science', 'cozy'],
      creator: 'lune-maker',
      character_version: '3',
      source: ['https://example.invalid/lune'],
      creation_date: 1700000000,
      modification_date: 1700000500,
      assets: [{ type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' }],
      extensions: {
        troupe: {
          voice: { openai: { voice: 'sage' }, espeak: { voice: 'en-gb', rate: 160, pitch: 40 } },
          traits: ['curious', 'gentle'],
          interests: ['astronomy', 'tea'],
          tone: 'soft and wondering',
          speakingStyle: 'long pauses, rhetorical questions',
          talkativeness: 0.8,
          futureField: { kept: true },
        },
        risuai: { utilityBot: false, sourceMap: {} },
      },
    },
  };
}

/** A .charx archive: the V3 card at card.json, its icon and one unrelated asset. */
export function charxCard(icon = solidPng([200, 40, 40, 255])): {
  zip: Uint8Array;
  card: Json;
  icon: Uint8Array;
} {
  const card = v3Card();
  const data = card.data as Json;
  data.assets = [
    { type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' },
    { type: 'emotion', uri: 'embeded://assets/other/images/smile.png', name: 'smile', ext: 'png' },
  ];
  const files: Zippable = {
    'card.json': strToU8(JSON.stringify(card)),
    'assets/icon/images/main.png': [icon, { level: 0 }],
    'assets/other/images/smile.png': solidPng([0, 200, 0, 255]),
  };
  return { zip: zipSync(files), card, icon };
}

/** What importing v2Card() makes of its lorebook. */
export function v2CardKnowledge(): Json[] {
  return [
    {
      keys: ['Kestrel', 'airship'],
      content: 'The Kestrel is an old cargo airship with a patched balloon.',
      enabled: true,
      name: 'The ship',
      sourceIndex: 0,
    },
    {
      keys: ['Vell'],
      content: 'Vell is the quartermaster who keeps the real accounts.',
      enabled: false,
      name: 'Vell',
      priority: 10,
      sourceIndex: 1,
    },
  ];
}

/** The CardError that `fn` throws, or undefined; any other error is rethrown. */
export function cardErrorThrownBy(fn: () => unknown): CardError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof CardError) return err;
    throw err;
  }
  return undefined;
}

/** `code: message` of the CardError that `fn` throws, or 'no error'; any other error is rethrown. */
export function cardErrorOf(fn: () => unknown): string {
  const err = cardErrorThrownBy(fn);
  return err ? `${err.code}: ${err.message}` : 'no error';
}

/**
 * The most one inflate step may produce past an entry's declared size: DEFLATE's best ratio
 * (~1,032:1) times the smallest step api/cards/zip.ts feeds the inflater (1 KiB).
 */
export const ONE_INFLATE_STEP_BYTES = 1032 * 1024;

// --- an independent PNG writer and tEXt reader --------------------------------------------------

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A 1×1 RGBA PNG of one colour, with `extra` chunks placed after IHDR. */
export function solidPng(rgba: number[], extra: Buffer[] = []): Uint8Array {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  return new Uint8Array(
    Buffer.concat([
      SIGNATURE,
      pngChunk('IHDR', ihdr),
      ...extra,
      pngChunk('IDAT', deflateSync(Buffer.from([0, ...rgba]))),
      pngChunk('IEND', new Uint8Array(0)),
    ]),
  );
}

export function textChunk(keyword: string, text: string): Buffer {
  return pngChunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'));
}

export function cardText(card: unknown): string {
  return Buffer.from(JSON.stringify(card), 'utf8').toString('base64');
}

/** A PNG card as SillyTavern writes one: the image plus a `chara` chunk. */
export function pngCard(card: unknown, keyword = 'chara'): Uint8Array {
  return solidPng([10, 20, 30, 255], [textChunk(keyword, cardText(card))]);
}

export interface PlainChunk {
  type: string;
  offset: number;
  data: Buffer;
  crcOk: boolean;
}

/** Every chunk of a PNG, the way any PNG library sees them. */
export function plainChunks(png: Uint8Array): PlainChunk[] {
  const buf = Buffer.from(png);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const chunks: PlainChunk[] = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    const crcOk = crc32(buf.subarray(at + 4, at + 8 + length)) === buf.readUInt32BE(at + 8 + length);
    chunks.push({ type, offset: at, data, crcOk });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** The tEXt chunks as keyword → texts, decoded as Latin-1 like a plain reader does. */
export function plainTexts(png: Uint8Array): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of plainChunks(png).filter((c) => c.type === 'tEXt')) {
    const nul = c.data.indexOf(0);
    const keyword = c.data.toString('latin1', 0, nul);
    out.set(keyword, [...(out.get(keyword) ?? []), c.data.toString('latin1', nul + 1)]);
  }
  return out;
}

/** Recomputes every chunk's CRC, so a mutated PNG reaches the layers behind the CRC check. */
export function fixPngCrcs(png: Uint8Array): Uint8Array {
  const buf = Buffer.from(png);
  for (let at = 8; at + 12 <= buf.length;) {
    const length = buf.readUInt32BE(at);
    if (at + 12 + length > buf.length) break;
    buf.writeUInt32BE(crc32(buf.subarray(at + 4, at + 8 + length)), at + 8 + length);
    at += 12 + length;
  }
  return new Uint8Array(buf);
}

// --- ZIP surgery ---------------------------------------------------------------------------------

/** Overwrites fields of one entry in both its local header and its central directory record. */
export function patchZipEntry(
  zip: Uint8Array,
  name: string,
  patch: { uncompressedSize?: number; flags?: number; crc?: number },
): Uint8Array {
  const buf = Buffer.from(zip);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < buf.readUInt16LE(eocd + 10); i++) {
    const nameLength = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    if (buf.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      if (patch.uncompressedSize !== undefined) {
        buf.writeUInt32LE(patch.uncompressedSize, at + 24);
        buf.writeUInt32LE(patch.uncompressedSize, local + 22);
      }
      if (patch.flags !== undefined) {
        buf.writeUInt16LE(patch.flags, at + 8);
        buf.writeUInt16LE(patch.flags, local + 6);
      }
      if (patch.crc !== undefined) {
        buf.writeUInt32LE(patch.crc, at + 16);
        buf.writeUInt32LE(patch.crc, local + 14);
      }
    }
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return new Uint8Array(buf);
}

export function jsonBytes(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}
