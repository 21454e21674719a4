// Typed clients of the services' APIs through the console's forward (/api/<service>/...), generated from their
// OpenAPI documents (`make docs` → src/client/types/). A path, its parameters and its answer are checked by
// the compiler against what the service declares; a refusal throws the same ApiError as `api()`.
import createClient, { type Middleware } from "openapi-fetch";
import { ApiError, csrfToken } from "../api";
import type { paths as audit } from "./types/audit";
import type { paths as identity } from "./types/identity";
import type { paths as intake } from "./types/intake";
import type { paths as notify } from "./types/notify";
import type { paths as routing } from "./types/routing";
import type { paths as sla } from "./types/sla";

export type { components as AuditModels } from "./types/audit";
export type { components as IdentityModels } from "./types/identity";
export type { components as IntakeModels } from "./types/intake";
export type { components as RoutingModels } from "./types/routing";
export type { components as SlaModels } from "./types/sla";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// Same origin, the session cookie rides along; unsafe methods echo the CSRF cookie (double submit).
const session: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) request.headers.set("x-csrf-token", csrfToken());
    return request;
  },
  async onResponse({ response }) {
    if (response.ok) return response;
    const text = await response.clone().text();
    let detail: unknown = text;
    try {
      detail = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: the text is the detail
    }
    throw new ApiError(response.status, detail);
  },
};

function client<Paths extends {}>(service: string) {
  const made = createClient<Paths>({ baseUrl: `/api/${service}`, credentials: "same-origin" });
  made.use(session);
  return made;
}

export const auditApi = client<audit>("audit");
export const identityApi = client<identity>("identity");
export const intakeApi = client<intake>("intake");
export const notifyApi = client<notify>("notify");
export const routingApi = client<routing>("routing");
export const slaApi = client<sla>("sla");
