// Whether a build is up to date with its sources: a stamp records the files a build read and a
// hash of their contents; the build is fresh while the same files still hash the same. `npm start`
// then starts in seconds the second time instead of rebuilding the web client and the worker.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from './livekit-server.ts';

interface Stamp {
  /** Project-relative paths of every file the build read, sorted. */
  inputs: string[];
  hash: string;
}

/** A hash of the files' names and contents; a missing file counts as changed. */
function hashInputs(inputs: readonly string[]): string | null {
  const hash = createHash('sha256');
  for (const file of inputs) {
    const path = join(projectRoot, file);
    if (!existsSync(path)) return null;
    hash.update(file).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex');
}

/** Every file below `dirs` (project-relative), leaving out folders named in `skip`. */
export function filesBelow(dirs: readonly string[], skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(projectRoot, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(path) && entry.name !== 'node_modules') walk(path);
      } else if (entry.isFile()) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return out;
}

/** Records that the build at `stampFile` read `inputs` (project-relative) as they are now. */
export function writeStamp(stampFile: string, inputs: readonly string[]): void {
  const sorted = [...new Set(inputs)].sort();
  const hash = hashInputs(sorted);
  if (!hash) return;
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, JSON.stringify({ inputs: sorted, hash } satisfies Stamp));
}

/**
 * True when the stamp exists and its inputs are unchanged; with `inputs`, also when no file has
 * been added or removed among them (a new asset is copied by the build without being imported).
 */
export function isFresh(stampFile: string, inputs?: readonly string[]): boolean {
  if (!existsSync(stampFile)) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
    if (!Array.isArray(stamp.inputs)) return false;
    if (inputs && [...new Set(inputs)].sort().join('\n') !== stamp.inputs.join('\n')) return false;
    return hashInputs(stamp.inputs) === stamp.hash;
  } catch {
    return false;
  }
}

/** Forgets a stamp (before a build that may fail half-way). */
export function clearStamp(stampFile: string): void {
  rmSync(stampFile, { force: true });
}
