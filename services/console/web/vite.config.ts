import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// `npm run dev` serves the app alone; /api, /auth and /public-api go to a console started by `make run`.
export default defineConfig({
  plugins: [vue()],
  // vue-i18n compiles messages to an AST it interprets (no `new Function`), so the page's CSP needs no eval.
  define: { __INTLIFY_JIT_COMPILATION__: true, __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false },
  build: { chunkSizeWarningLimit: 2000 },
  server: { proxy: { "/api": "http://127.0.0.1:8106", "/auth": "http://127.0.0.1:8106",
    "/public-api": "http://127.0.0.1:8106" } },
});
