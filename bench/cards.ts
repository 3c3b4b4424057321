import { performance } from 'node:perf_hooks';
import { zipSync } from 'fflate';
import { openLibrary, defaultLibraryLimits } from '../api/cards/library.ts';
import { importCard } from '../api/cards/import.ts';
import {
  cardErrorThrownBy,
  charxCard,
  jsonBytes,
  patchZipEntry,
  pngCard,
  v2Card,
} from '../api/cards/testing.ts';
import { checkZipEntry, readZipDirectory, readZipEntry, type ZipLimits } from '../api/cards/zip.ts';
import { zerosZip } from '../api/routes/library-import-testing.ts';
import { runBench } from './run.ts';

// bench:cards — what reading character cards costs on this machine: the time to refuse zip bombs
// (an entry that inflates past what it declares, and one that declares it all), the time to read
// a large honest entry, and importCard per format. The tests assert what a refusal costs in bytes
// (api/cards/zip.test.ts, library.test.ts); the times live here, where a noisy machine only makes
// a figure worse instead of failing a test.

const RUNS = Number(process.env.BENCH_CARDS_RUNS ?? 20);
const MiB = 1024 ** 2;

/** Median and worst of `RUNS` timings of `fn`, in ms. */
async function timed(fn: () => unknown): Promise<{ p50: number; max: number }> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)]!, max: ms.at(-1)! };
}

function report(what: string, t: { p50: number; max: number }, extra = ''): void {
  console.log(
    `${what.padEnd(58)} p50 ${t.p50.toFixed(1).padStart(7)} ms  max ${t.max.toFixed(1).padStart(7)} ms${extra}`,
  );
}

runBench('bench:cards', async () => {
  const limits: ZipLimits = { maxEntries: 1000, maxUncompressedBytes: 64 * MiB };
  const lying = patchZipEntry(zipSync({ 'card.json': new Uint8Array(16 * MiB) }), 'card.json', {
    uncompressedSize: 100,
  });
  const [lyingEntry] = readZipDirectory(lying, limits);
  const inflated = cardErrorThrownBy(() => readZipEntry(lying, lyingEntry!, limits))?.details.inflatedBytes;
  report(
    'readZipEntry refuses 16 MiB declared as 100 bytes',
    await timed(() => cardErrorThrownBy(() => readZipEntry(lying, lyingEntry!, limits))),
    `  (${inflated} bytes inflated)`,
  );
  report(
    'checkZipEntry refuses the same',
    await timed(() => cardErrorThrownBy(() => checkZipEntry(lying, lyingEntry!, limits))),
  );

  const library = defaultLibraryLimits;
  const lyingLibrary = zerosZip(128 * MiB, 1000);
  const honestLibrary = zerosZip(1024 * MiB);
  const refuse = (bytes: Uint8Array) =>
    openLibrary([{ name: 'lib.zip', bytes }], library).catch(() => undefined);
  report('openLibrary refuses 128 MiB declared as 1,000 bytes', await timed(() => refuse(lyingLibrary)));
  report(
    'openLibrary refuses 1 GiB declared as such (over 512 MiB)',
    await timed(() => refuse(honestLibrary)),
  );

  const honest = zipSync({ 'card.json': new Uint8Array(20 * MiB) });
  const [honestEntry] = readZipDirectory(honest, limits);
  report(
    'readZipEntry reads an honest 20 MiB entry',
    await timed(() => readZipEntry(honest, honestEntry!, limits)),
  );
  report('checkZipEntry checks it', await timed(() => checkZipEntry(honest, honestEntry!, limits)));

  for (const [what, bytes] of [
    ['JSON', jsonBytes(v2Card())],
    ['PNG', pngCard(v2Card())],
    ['.charx', charxCard().zip],
  ] as const)
    report(
      `importCard, a V2 card as ${what} (${bytes.length} bytes)`,
      await timed(() => importCard({ bytes })),
    );
});
