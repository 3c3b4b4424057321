import type { LibraryImport } from '../../protocol/index.ts';
import { request } from './api.ts';

/** Uploads ZIP libraries and card files as one library import; resolves with the started job. */
export function startLibraryImport(files: readonly File[]): Promise<LibraryImport> {
  const form = new FormData();
  for (const f of files) form.append('files', f, f.name);
  return request('POST', '/api/characters/library-imports', form);
}

/** The job's progress, with its results from index `from` on. */
export const getLibraryImport = (id: string, from: number): Promise<LibraryImport> =>
  request('GET', `/api/characters/library-imports/${encodeURIComponent(id)}?from=${from}`);
