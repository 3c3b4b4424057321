import { writeFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureLivekitServer, LIVEKIT_SERVER_VERSION } from './livekit-server.ts';

function fakeBinary(version: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'troupe-lk-')), 'livekit-server');
  writeFileSync(path, `#!/bin/sh\necho "livekit-server version ${version}"\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('finding livekit-server', () => {
  it('when a binary of the pinned minor version is a candidate, then it is used', async () => {
    const good = fakeBinary(LIVEKIT_SERVER_VERSION.replace(/\d+$/, '99'));
    expect(await ensureLivekitServer(() => {}, { candidates: ['/nonexistent/livekit-server', good] })).toBe(
      good,
    );
  });

  it('when only another version is found and Go is missing, then it says why and how to install', async () => {
    const old = fakeBinary('1.8.0');
    const said: string[] = [];
    const found = ensureLivekitServer((m) => said.push(m), { candidates: [old], go: '/nonexistent/go' });
    await expect(found).rejects.toThrow(/Linux:.*\n.*macOS:.*brew install livekit[\s\S]*LIVEKIT_URL/);
    expect(said.join('\n')).toContain(`ignoring ${old} 1.8.0`);
  });
});
