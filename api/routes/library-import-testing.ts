// Test support for the library import tests: uploads, polling, and the card fixtures of a library.
import { strToU8, Zip, ZipDeflate, zipSync, type Zippable } from 'fflate';
import { expect } from 'vitest';
import { ErrorBody, LibraryImport } from '../../protocol/index.ts';
import { charxCard, jsonBytes, pngCard, v1Card, v2Card, v3Card } from '../cards/testing.ts';

export interface Upload {
  name: string;
  bytes: Uint8Array;
}

/** POSTs `files` as the multipart field `files`; the answer's status and parsed body. */
export async function uploadLibrary(
  apiUrl: string,
  headers: Record<string, string>,
  files: readonly Upload[],
  field = 'files',
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const form = new FormData();
  for (const f of files) form.append(field, new Blob([Buffer.from(f.bytes)]), f.name);
  const res = await fetch(`${apiUrl}/api/characters/library-imports`, {
    method: 'POST',
    headers,
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

/** The job after it left `running`, polled every 50 ms (fails after `timeoutMs`). */
export async function settled(
  apiUrl: string,
  headers: Record<string, string>,
  id: string,
  timeoutMs = 20_000,
): Promise<LibraryImport> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${apiUrl}/api/characters/library-imports/${id}`, { headers });
    expect(res.status).toBe(200);
    const job = LibraryImport.parse(await res.json());
    if (job.status !== 'running') return job;
    if (Date.now() > until) throw new Error(`library import ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Uploads and waits for the job to end; the 202 must come first. */
export async function importLibrary(
  apiUrl: string,
  headers: Record<string, string>,
  files: readonly Upload[],
): Promise<LibraryImport> {
  const res = await uploadLibrary(apiUrl, headers, files);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const started = LibraryImport.parse(res.body);
  expect(res.headers.get('location')).toBe(`/api/characters/library-imports/${started.id}`);
  return settled(apiUrl, headers, started.id);
}

export const errorOf = (body: unknown) => ErrorBody.parse(body).error;

/** `{file: outcome code?}` per result, for compact assertions. */
export const outcomes = (job: LibraryImport): Record<string, string> =>
  Object.fromEntries(
    job.results.map((r) => [r.file, r.code ? `${r.outcome} ${r.code}` : r.outcome] as const),
  );

/**
 * A library as people have them: good cards of each format, broken ones of three kinds, a copy of
 * one card in another format, and the folders and files around them that are not cards.
 */
export function mixedLibrary(): Uint8Array {
  const files: Zippable = {
    'cards/': new Uint8Array(0),
    'cards/mira.json': jsonBytes(v1Card()),
    'cards/oro.png': pngCard(v2Card()),
    'cards/lune.json': jsonBytes(v3Card()),
    'cards/lune.charx': charxCard().zip,
    'cards/broken.json': strToU8('{"spec": "chara_card_v2", "data": {"name": '),
    'cards/plain.png': pngCard(v2Card(), 'Comment'),
    'cards/future.json': jsonBytes({ spec: 'chara_card_v9', spec_version: '9.0', data: { name: 'Nine' } }),
    'cards/oro-again.json': jsonBytes(v2Card()),
    '__MACOSX/cards/._oro.png': strToU8('resource fork'),
    'cards/.DS_Store': strToU8('finder'),
    'README.txt': strToU8('my favourite cards'),
  };
  return zipSync(files);
}

/** What mixedLibrary() becomes, uploaded as `lib.zip` by an account with none of its cards. */
export const mixedLibraryOutcomes = {
  'lib.zip/cards/mira.json': 'imported',
  'lib.zip/cards/oro.png': 'imported',
  'lib.zip/cards/lune.json': 'imported',
  'lib.zip/cards/lune.charx': 'imported',
  'lib.zip/cards/broken.json': 'rejected bad_json',
  'lib.zip/cards/plain.png': 'rejected no_card',
  'lib.zip/cards/future.json': 'rejected wrong_spec',
  'lib.zip/cards/oro-again.json': 'duplicate',
};

/**
 * A ZIP whose one entry is `inflatedBytes` of zeros, deflated as it streams (the test never holds
 * the zeros whole): about 1,000:1. `declaredBytes` makes the archive lie about the entry's size.
 */
export function zerosZip(inflatedBytes: number, declaredBytes?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  const entry = new ZipDeflate('zeros.json', { level: 9 });
  zip.add(entry);
  const step = new Uint8Array(1024 * 1024);
  for (let left = inflatedBytes; left > 0; left -= step.length)
    entry.push(left > step.length ? step : step.subarray(0, left), left <= step.length);
  zip.end();
  const bytes = new Uint8Array(Buffer.concat(parts));
  return declaredBytes === undefined ? bytes : withDeclaredSize(bytes, declaredBytes);
}

/** Rewrites the central directory's uncompressed size of a one-entry archive. */
function withDeclaredSize(zip: Uint8Array, size: number): Uint8Array {
  const buf = Buffer.from(zip);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  buf.writeUInt32LE(size, buf.readUInt32LE(eocd + 16) + 24);
  return new Uint8Array(buf);
}
