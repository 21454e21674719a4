import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// `npm run dev` serves the app alone; /api and /auth go to a console started by `make run`.
export default defineConfig({
  plugins: [vue()],
  build: { chunkSizeWarningLimit: 2000 },
  server: { proxy: { "/api": "http://127.0.0.1:8106", "/auth": "http://127.0.0.1:8106" } },
});
