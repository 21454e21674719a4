// The clerk's hall's choices from its district pack (intake's GET /halls/{hall}/registration-options), read once a
// page load: the registration form offers them, the case page names kinds and departments with them.
import { ref } from "vue";
import { api } from "./api";

export interface KindOption { code: string; name_zh: string; name_en: string; green_channel: boolean; consultation: boolean }
export interface MatterOption { code: string; name_zh: string; lead_department: string; tier: string; keywords: string[] }
export interface RegistrationOptions {
  district: string; hall: string; hall_name_zh: string; channels: string[]; complexity_tiers: string[];
  green_channel: boolean; problem_kinds: KindOption[]; matters: MatterOption[];
  departments: { code: string; name_zh: string; name_en: string }[];
}

export const options = ref<RegistrationOptions | null>(null);
let loading: Promise<RegistrationOptions> | null = null;

export function loadOptions(hall: string): Promise<RegistrationOptions> {
  loading ??= api<RegistrationOptions>("GET", `/api/intake/halls/${encodeURIComponent(hall)}/registration-options`)
    .then((found) => (options.value = found))
    .catch((error) => { loading = null; throw error; });
  return loading;
}

// A matter found by what the clerk types: its code, its name or one of its keywords.
export function matterMatches(matter: MatterOption, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || matter.code.toLowerCase().includes(q) || matter.name_zh.includes(q)
    || matter.keywords.some((k) => k.toLowerCase().includes(q));
}

export function kindName(code: string): string {
  return options.value?.problem_kinds.find((k) => k.code === code)?.name_zh ?? code;
}

export function matterName(code: string | null): string {
  if (!code) return "—";
  return options.value?.matters.find((m) => m.code === code)?.name_zh ?? code;
}

export function departmentName(code: string): string {
  return options.value?.departments.find((d) => d.code === code)?.name_zh ?? code;
}
