import { describe, expect, it, vi } from "vitest";
import { onKey, register } from "../src/shortcuts";

function press(key: string, target: EventTarget = document.body, ctrlKey = false): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, ctrlKey, cancelable: true });
  Object.defineProperty(event, "target", { value: target });
  return event;
}

describe("keyboard shortcuts", () => {
  it("runs a two-key sequence pressed in time, and not once the first key is stale", () => {
    const goInbox = vi.fn();
    const remove = register([{ keys: "g i", label: "shortcuts.goInbox", run: goInbox }]);
    onKey(press("g"), 1000);
    onKey(press("i"), 1500);
    expect(goInbox).toHaveBeenCalledTimes(1);
    onKey(press("g"), 2000);
    onKey(press("i"), 5000);
    expect(goInbox).toHaveBeenCalledTimes(1);
    remove();
  });

  it("leaves keys typed into a field alone, except Ctrl+Enter", () => {
    const help = vi.fn();
    const submit = vi.fn();
    const remove = register([{ keys: "?", label: "shortcuts.help", run: help },
      { keys: "ctrl+enter", label: "shortcuts.submit", run: submit }]);
    const input = document.createElement("input");
    expect(onKey(press("?", input))).toBe(false);
    expect(help).not.toHaveBeenCalled();
    onKey(press("Enter", input, true));
    expect(submit).toHaveBeenCalledTimes(1);
    onKey(press("?"));
    expect(help).toHaveBeenCalledTimes(1);
    remove();
  });
});
