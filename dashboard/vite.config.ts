// The dashboard is a static app: `vite build dashboard` writes dashboard/dist, which the hub
// serves at /. During development `vite dashboard` proxies the API to a hub on port 8080.
import { defineConfig } from 'vite';

const hub = process.env.HUB_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The hub serves the files itself; no external fonts or scripts, so it works offline.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': { target: hub, ws: true, changeOrigin: true },
    },
  },
});
