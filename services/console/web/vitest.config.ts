import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config";

// Component tests (`npm test`): the app's own Vite setup, in jsdom.
export default mergeConfig(viteConfig, defineConfig({
  test: { environment: "jsdom", include: ["tests/**/*.test.ts"], css: false, server: { deps: { inline: ["element-plus"] } } },
}));
