// The case page's timeline: audit's events (for roles holding audit.timeline) or intake's own transitions (a
// clerk's), each as a Chinese step name (the i18n file's `events` and `actions` tables) at a local time.
import type { Composer } from "vue-i18n";
import { localDateTime } from "./format";
import type { AuditModels, IntakeModels } from "./client";

// Only the fields a step is made of: audit's timeline entry and intake's transition as their documents declare them.
export type AuditEntry = Pick<AuditModels["schemas"]["TimelineEntry"], "type" | "actor" | "occurred_at"> & {
  actor_detail?: Pick<AuditModels["schemas"]["ActorDetail"], "name"> | null };
export type Transition = Pick<IntakeModels["schemas"]["TransitionPublic"], "action" | "to_state" | "actor" | "at" | "reason">;
export interface Step { at: string; label: string; actor: string; note: string }

type Translate = Pick<Composer, "t" | "te">;

// An event type unknown to the table (a newer service) shows as it is rather than not at all.
export function eventLabel(i18n: Translate, type: string): string {
  const key = `events.${type}`;
  return i18n.te(key) ? i18n.t(key) : type;
}

export function auditSteps(i18n: Translate, entries: AuditEntry[]): Step[] {
  return entries.map((e) => ({ at: localDateTime(e.occurred_at), label: eventLabel(i18n, e.type),
    actor: e.actor_detail?.name ?? e.actor, note: "" }));
}

// Intake records its actor as `person:<subject>`: the signed-in person's own steps show by their name.
export function transitionSteps(i18n: Translate, transitions: Transition[], self?: { subject: string; name: string }): Step[] {
  return transitions.map((tr) => ({ at: localDateTime(tr.at),
    label: i18n.te(`actions.${tr.action}`) ? i18n.t(`actions.${tr.action}`) : tr.action,
    actor: self && tr.actor === `person:${self.subject}` ? self.name : tr.actor, note: tr.reason }));
}
