import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const publicDir = fileURLToPath(new URL('./public', import.meta.url));

/** The API in development (`npm run api`); the built client is served by the API itself. */
const apiOrigin = 'http://127.0.0.1:3000';

export default defineConfig({
  root: webRoot,
  publicDir,
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // livekit-client alone is about 500 kB minified; it loads only with the call page.
    chunkSizeWarningLimit: 700,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: apiOrigin, changeOrigin: false },
      '/avatars': {
        target: apiOrigin,
        changeOrigin: false,
        // Built-in avatars are served straight from web/public; others (uploaded) come from the API.
        bypass: (req) => {
          try {
            const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
            return existsSync(`${publicDir}${path}`) ? req.url : undefined;
          } catch {
            return undefined;
          }
        },
      },
    },
  },
  preview: { host: '127.0.0.1' },
});
