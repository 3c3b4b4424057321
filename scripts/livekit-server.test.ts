import { writeFileSync, mkdtempSync, chmodSync, existsSync } from 'node:fs';
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

  it("when it has to build with Go, then it says so and passes the build's progress through line by line", async () => {
    const installDir = mkdtempSync(join(tmpdir(), 'troupe-lk-build-'));
    // A stand-in for `go`: prints what `go install -v` prints (on stderr) and leaves a binary.
    const go = join(installDir, 'fake-go');
    writeFileSync(
      go,
      [
        '#!/bin/sh',
        'if [ "$1" = version ]; then echo "go version go1.24.0 linux/amd64"; exit 0; fi',
        '[ "$1 $2" = "install -v" ] || { echo "unexpected: $*" >&2; exit 2; }',
        'echo "go: downloading github.com/livekit/protocol v1.40.0" >&2',
        'echo "github.com/livekit/livekit-server/cmd/server" >&2',
        `printf '#!/bin/sh\\necho "livekit-server version ${LIVEKIT_SERVER_VERSION}"\\n' > "$GOBIN/server"`,
        'chmod +x "$GOBIN/server"',
        '',
      ].join('\n'),
    );
    chmodSync(go, 0o755);
    const said: string[] = [];
    const built = await ensureLivekitServer((m) => said.push(m), {
      candidates: ['/nonexistent/livekit-server'],
      go,
      installDir,
    });
    expect(built).toBe(join(installDir, 'livekit-server'));
    expect(existsSync(built)).toBe(true);
    expect(said[0]).toMatch(/^building livekit-server .* with go install/);
    expect(said).toEqual(
      expect.arrayContaining([
        'go install: go: downloading github.com/livekit/protocol v1.40.0',
        'go install: github.com/livekit/livekit-server/cmd/server',
      ]),
    );
    expect(await ensureLivekitServer(() => {}, { candidates: [built], go: '/nonexistent/go' })).toBe(built);
  });

  it('when the Go build fails, then the error carries the end of its output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-lk-build-'));
    const go = join(dir, 'fake-go');
    writeFileSync(
      go,
      '#!/bin/sh\n[ "$1" = version ] && exit 0\necho "go: module lookup disabled by GOPROXY=off" >&2\nexit 1\n',
    );
    chmodSync(go, 0o755);
    await expect(ensureLivekitServer(() => {}, { candidates: [], go, installDir: dir })).rejects.toThrow(
      /failed \(code 1\):\ngo: module lookup disabled by GOPROXY=off/,
    );
  });
});
