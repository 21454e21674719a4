// Every call goes to the console's own /api (same origin): the session cookie rides along, the bearer
// token never reaches this page. Unsafe methods echo the CSRF cookie in X-CSRF-Token (double submit).

export interface Me {
  name: string;
  subject: string;
  roles: string[];
  district: string | null;
  hall: string | null;
  department: string | null;
}

export interface Page<T> {
  items: T[];
  offset: number;
  limit: number;
  next_offset: number | null;
}

export class ApiError extends Error {
  constructor(public status: number, public detail: unknown) {
    super(describe(detail) || `HTTP ${status}`);
  }
}

// The services' and the console's refusals are RFC 9457 problems with `zh` and `en`, and per-field `errors`.
function describe(detail: unknown): string {
  if (!detail || typeof detail !== "object") return typeof detail === "string" ? detail : "";
  const problem = detail as { zh?: string; errors?: { field: string; zh: string }[] };
  if (problem.errors?.length) return problem.errors.map((e) => `${e.field}：${e.zh}`).join("；");
  return problem.zh ?? "";
}

export function csrfToken(): string {
  const found = document.cookie.split("; ").find((c) => c.startsWith("bancheng_csrf="));
  return found ? decodeURIComponent(found.slice("bancheng_csrf=".length)) : "";
}

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { accept: "application/json", ...headers } };
  if (method !== "GET") (init.headers as Record<string, string>)["x-csrf-token"] = csrfToken();
  if (body !== undefined) {
    (init.headers as Record<string, string>)["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(path, init);
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data);
  return data as T;
}

// One file as multipart/form-data (field `file`); the browser sets the boundary.
export async function upload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append("file", file, file.name);
  const answer = await fetch(path, { method: "POST", credentials: "same-origin", body: form,
    headers: { accept: "application/json", "x-csrf-token": csrfToken() } });
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data);
  return data as T;
}

export async function currentUser(): Promise<Me | null> {
  try {
    return await api<Me>("GET", "/api/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function logout(): Promise<void> {
  await api("POST", "/auth/logout");
  window.location.assign("/");
}
