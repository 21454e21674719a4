import { describe, expect, it } from "vitest";
import DeadlineBadge from "../src/components/DeadlineBadge.vue";
import { mountInApp } from "./setup";

function badge(standing: string, workingDaysLeft: number | null) {
  return mountInApp(DeadlineBadge, { props: { standing, workingDaysLeft } }).find(".el-tag");
}

describe("the countdown badge", () => {
  it("is green with the working days left while on track", () => {
    const tag = badge("on_track", 3);
    expect(tag.classes()).toContain("el-tag--success");
    expect(tag.text()).toBe("剩 3 个工作日");
  });
  it("is yellow once a warning fired, and says when the day is the due day", () => {
    expect(badge("warning", 1).classes()).toContain("el-tag--warning");
    expect(badge("warning", 0).text()).toBe("今日到期");
  });
  it("is red with the working days overdue", () => {
    const tag = badge("overdue", -2);
    expect(tag.classes()).toContain("el-tag--danger");
    expect(tag.text()).toBe("超时 2 个工作日");
    expect(badge("overdue", 0).text()).toBe("已超时");
  });
  it("is grey and says paused while the clock stands still", () => {
    const tag = badge("paused", null);
    expect(tag.classes()).toContain("el-tag--info");
    expect(tag.text()).toBe("已暂停");
  });
});
