// The large-text mode for assisted desks (a citizen reads along): bigger type and controls, kept in this browser.
import { ref, watch } from "vue";

const KEY = "bancheng.largeText";
export const largeText = ref(localStorage.getItem(KEY) === "1");

watch(largeText, (on) => {
  localStorage.setItem(KEY, on ? "1" : "0");
  document.documentElement.classList.toggle("large-text", on);
}, { immediate: true });
