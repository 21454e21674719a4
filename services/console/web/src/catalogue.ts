// The clerk's hall's choices from its district pack (intake's GET /halls/{hall}/registration-options), read once a
// page load: the registration form offers them, the case page names kinds and departments with them.
import { ref } from "vue";
import { intakeApi, type IntakeModels } from "./client";

export type MatterOption = IntakeModels["schemas"]["MatterOption"];
export type RegistrationOptions = IntakeModels["schemas"]["RegistrationOptions"];

export const options = ref<RegistrationOptions | null>(null);
let loading: Promise<RegistrationOptions> | null = null;

export function loadOptions(hall: string): Promise<RegistrationOptions> {
  loading ??= intakeApi.GET("/halls/{hall}/registration-options", { params: { path: { hall } } })
    .then((found) => (options.value = found.data!))
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
