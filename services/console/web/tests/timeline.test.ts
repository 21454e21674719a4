import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { i18n } from "../src/i18n";
import { auditSteps, eventLabel, transitionSteps } from "../src/timeline";

const zh = i18n.global;

describe("the timeline's step names", () => {
  it("names every event type the bus carries in Chinese (docs/asyncapi.json)", () => {
    zh.locale.value = "zh-CN";
    const asyncapi = JSON.parse(readFileSync(resolve(process.cwd(), "../../../docs/asyncapi.json"), "utf-8"));
    const types: string[] = Object.values(asyncapi.components.messages).map((m) => (m as { name: string }).name);
    expect(types.length).toBeGreaterThan(40);
    const unnamed = types.filter((type) => !zh.te(`events.${type}`, "zh-CN") || !zh.te(`events.${type}`, "en"));
    expect(unnamed).toEqual([]);
  });

  it("shows audit events as step names at Beijing time, by the actor's name", () => {
    zh.locale.value = "zh-CN";
    const steps = auditSteps(zh, [
      { type: "case.registered", actor: "staff:1", actor_detail: { name: "演示窗口人员" }, occurred_at: "2026-03-02T02:05:00Z" },
      { type: "workorder.signed_for", actor: "staff:2", occurred_at: "2026-03-02T16:30:00+00:00" },
    ]);
    expect(steps.map((s) => [s.at, s.label, s.actor])).toEqual([
      ["2026-03-02 10:05", "登记", "演示窗口人员"],
      ["2026-03-03 00:30", "部门签收", "staff:2"],
    ]);
  });

  it("shows intake's transitions by their action's name, and an unknown type as it is", () => {
    zh.locale.value = "zh-CN";
    const [step] = transitionSteps(zh, [{ action: "record_callback", to_state: "callback_recorded", actor: "clerk",
      at: "2026-03-05T09:00:00Z", reason: "" }]);
    expect([step.at, step.label]).toEqual(["2026-03-05 17:00", "登记回访"]);
    expect(eventLabel(zh, "future.thing_happened")).toBe("future.thing_happened");
  });
});
