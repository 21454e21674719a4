// The citizens' pages talk to intake's public API through the console (/public-api/... → intake /public/...):
// no session, no token, no cookie. Refusals are RFC 9457 problems with zh/en texts and per-field errors.

import type { IntakeModels } from "../client";

export type FieldProblem = IntakeModels["schemas"]["FieldError"];

export class PublicError extends Error {
  constructor(public status: number, public zh: string, public en: string, public fields: FieldProblem[],
              public retryAfter: number | null) {
    super(zh || en || `HTTP ${status}`);
  }

  // The message for one field (in the page's language), or "" when none names it.
  field(name: string, locale: string): string {
    const found = this.fields.find((f) => f.field === name || f.field.endsWith(`.${name}`));
    return found ? (locale === "en" ? found.en : found.zh) : "";
  }

  text(locale: string): string {
    return locale === "en" ? this.en || this.zh : this.zh || this.en;
  }
}

async function call<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
  let answer: Response;
  try {
    answer = await fetch(`/public-api/${path}`, { method, credentials: "omit", ...init,
      headers: { accept: "application/json", ...(init.headers ?? {}) } });
  } catch {
    throw new PublicError(0, "网络连接失败，请稍后再试", "network error; try again later", [], null);
  }
  const text = await answer.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!answer.ok) {
    const problem = (data ?? {}) as { zh?: string; en?: string; detail?: string; errors?: FieldProblem[] };
    const retry = answer.headers.get("retry-after");
    throw new PublicError(answer.status, problem.zh ?? "", problem.en ?? problem.detail ?? "", problem.errors ?? [],
      retry ? Number(retry) : null);
  }
  return data as T;
}

export function getJson<T>(path: string): Promise<T> {
  return call<T>("GET", path);
}

export function postJson<T>(path: string, body: unknown): Promise<T> {
  return call<T>("POST", path, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
}

export function postFile<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append("file", file);
  return call<T>("POST", path, { body: form });
}

// The answers as intake's OpenAPI document declares them (src/client/types/intake.ts, `make docs`). The calls stay
// this small fetch helper: a network failure and Retry-After become a PublicError the pages show as they are.
type Schemas = IntakeModels["schemas"];
export type District = Schemas["PublicDistrict"];
export type DistrictDetail = Schemas["PublicDistrictDetail"];
export type Challenge = Schemas["ChallengeOut"];
export type Verification = Schemas["VerificationOut"];
export type Attachment = Schemas["PendingAttachmentPublic"];
export type Reported = Schemas["ReportOut"];
export type Followed = Schemas["FollowOut"];
