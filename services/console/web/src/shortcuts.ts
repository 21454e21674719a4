// Keyboard shortcuts: the app's own (go to a screen, the cheat sheet on `?`) and those a screen adds while it is
// shown (`useShortcuts`). A key pressed in a text field types there; only Ctrl+Enter acts from inside one.
import { onBeforeUnmount, onMounted, reactive } from "vue";

export interface Shortcut {
  keys: string; // "?", "g i" (g, then i), "ctrl+enter"
  label: string; // an i18n key
  run: () => void;
}

export const shortcuts = reactive<Shortcut[]>([]);
const PREFIX_TIMEOUT_MS = 1200;
let prefix = "";
let prefixAt = 0;

function typing(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
}

// The key as a shortcut names it: "ctrl+enter" with Ctrl (or ⌘), else the character typed.
export function keyName(event: KeyboardEvent): string {
  const key = event.key.toLowerCase();
  return event.ctrlKey || event.metaKey ? `ctrl+${key}` : key;
}

export function onKey(event: KeyboardEvent, now: number = Date.now()): boolean {
  const name = keyName(event);
  if (typing(event.target) && !name.startsWith("ctrl+")) return false;
  if (event.altKey) return false;
  const sequence = prefix && now - prefixAt < PREFIX_TIMEOUT_MS ? `${prefix} ${name}` : name;
  const found = shortcuts.find((s) => s.keys === sequence) ?? shortcuts.find((s) => s.keys === name);
  if (found) {
    prefix = "";
    event.preventDefault();
    found.run();
    return true;
  }
  if (shortcuts.some((s) => s.keys.startsWith(`${name} `))) {
    prefix = name;
    prefixAt = now;
    return true;
  }
  prefix = "";
  return false;
}

export function register(list: Shortcut[]): () => void {
  shortcuts.push(...list);
  return () => {
    for (const s of list) {
      const at = shortcuts.indexOf(s);
      if (at >= 0) shortcuts.splice(at, 1);
    }
  };
}

// A screen's shortcuts, while it is shown.
export function useShortcuts(list: Shortcut[]): void {
  let remove = () => {};
  onMounted(() => (remove = register(list)));
  onBeforeUnmount(() => remove());
}

export function installShortcuts(): void {
  window.addEventListener("keydown", (event) => onKey(event));
}
