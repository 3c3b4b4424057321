import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Guards the layout of DESIGN.md: the API dispatches to the agent through LiveKit and never imports
// it, only the API touches the database, `speech/` is shared by agent and api and imports neither,
// the browser gets nothing but the wire contracts. Product code only: tests may reach across (an
// agent test starts a real API).

const root = resolve(import.meta.dirname, '..');

/**
 * What each folder of product code may import of ours, as the folders it may not reach (`not`) or
 * the only ones it may (`only`, itself included); packages are always allowed.
 */
const rules: Record<string, { not: readonly string[] } | { only: readonly string[] }> = {
  api: { not: ['agent', 'web'] },
  agent: { not: ['api', 'db', 'web'] },
  speech: { not: ['agent', 'api', 'db', 'web'] },
  db: { not: ['agent', 'api', 'web'] },
  web: { only: ['web', 'protocol'] },
  protocol: { only: ['protocol'] },
};

const allowed = (dir: string, folder: string): boolean => {
  const rule = rules[dir]!;
  return 'only' in rule ? rule.only.includes(folder) : !rule.not.includes(folder);
};

function productFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter((file) => !file.split(sep).some((part) => part === 'node_modules' || part === 'dist'));
}

/** Every relative import of a file (static, re-export, side-effect, dynamic), with the folder it lands in. */
function importsOf(file: string): Array<{ specifier: string; folder: string }> {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({
      specifier,
      folder: relative(root, resolve(root, dirname(file), specifier)).split(sep)[0] ?? '',
    }));
}

/** `file imports 'specifier' (folder/)` for each import that crosses a boundary. */
function boundaryViolations(): string[] {
  return Object.keys(rules).flatMap((dir) =>
    productFiles(dir).flatMap((file) =>
      importsOf(file)
        .filter((i) => !allowed(dir, i.folder))
        .map((i) => `${file} imports '${i.specifier}' (${i.folder}/)`),
    ),
  );
}

describe('folder boundaries', () => {
  it('when product code imports across folders, then only the arrows of DESIGN.md exist', () => {
    expect(boundaryViolations()).toEqual([]);
  });

  it('when every folder is scanned, then each has product files and their imports are read', () => {
    for (const dir of Object.keys(rules)) expect(productFiles(dir).length, dir).toBeGreaterThan(0);
    // web/ is only allowed protocol/ of ours, so a broken scan (no imports found) would pass silently.
    expect(productFiles('web').some((f) => importsOf(f).some((i) => i.folder === 'protocol'))).toBe(true);
  });
});
