import { ref } from "vue";

// The self-service terminal (自助终端) in a hall: `/kiosk`, or any citizen page with `?kiosk=1`. It returns to
// the start after IDLE_SECONDS without a touch, forgetting all that was typed; `?idle=<seconds>` shortens it
// (tests, a trial at the desk). Kept for the tab's life, so following a link inside keeps the mode.
export const IDLE_SECONDS = 90;
export const kiosk = ref(sessionStorage.getItem("bancheng_kiosk") === "1");
export const idleSeconds = ref(Number(sessionStorage.getItem("bancheng_kiosk_idle")) || IDLE_SECONDS);
// Bumped on every reset: the layout keys its page on it, so the page is made anew with nothing in it.
export const resets = ref(0);

export function enterKiosk(idle: number | null): void {
  kiosk.value = true;
  sessionStorage.setItem("bancheng_kiosk", "1");
  if (idle !== null && idle > 0) {
    idleSeconds.value = idle;
    sessionStorage.setItem("bancheng_kiosk_idle", String(idle));
  }
}
