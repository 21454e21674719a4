import { ref } from "vue";
import type { Me } from "./api";

// The signed-in person (from /api/me), shared by the views; null before sign-in.
export const me = ref<Me | null>(null);

export function holds(role: string): boolean {
  return me.value?.roles.includes(role) ?? false;
}
