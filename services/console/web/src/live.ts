// Live changes (实时更新) from the console's /api/live (server-sent events): the server sends only the changes the
// signed-in person's roles reach (docs/console.md, "Live updates"). A view passes what to do with a change and
// what to do after a reconnect (reload: changes published while it was away are not replayed).

import { onBeforeUnmount, onMounted, ref, type Ref } from "vue";

export interface LiveChange {
  type: string;
  case_id: string;
  case_number?: string;
  district: string;
  hall?: string;
  department?: string;
  state?: string;
  colour?: "yellow" | "red";
  at: string;
}

const RETRY_MS = [1000, 2000, 5000, 10000]; // our own reconnect, when the browser gave up (a refused or broken stream)

export function useLive(onChange: (change: LiveChange) => void, onReconnect: () => void = () => {}): { connected: Ref<boolean> } {
  const connected = ref(false);
  let source: EventSource | null = null;
  let opened = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function open(): void {
    source = new EventSource("/api/live", { withCredentials: true });
    source.onopen = () => {
      connected.value = true;
      failures = 0;
      if (opened) onReconnect();
      opened = true;
    };
    source.onmessage = (message) => {
      try {
        onChange(JSON.parse(message.data) as LiveChange);
      } catch {
        // not a change this page understands: ignored
      }
    };
    source.onerror = () => {
      connected.value = false;
      // The browser retries a dropped stream by itself (CONNECTING); a refused one (CLOSED) is ours to retry.
      if (source?.readyState === EventSource.CLOSED && !stopped) {
        source.close();
        retry = setTimeout(open, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
      }
    };
  }

  onMounted(open);
  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(retry);
    source?.close();
  });
  return { connected };
}
