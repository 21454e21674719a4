// Times as the hall reads them: Beijing time, "YYYY-MM-DD HH:mm", whatever the browser's own zone is.
const ZONE = "Asia/Shanghai";
const parts = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

export function localDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "—";
  const p = Object.fromEntries(parts.formatToParts(at).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// Today's date in Beijing as YYYY-MM-DD (for date pickers' defaults and 容缺 due dates).
export function localToday(now: Date = new Date()): string {
  return localDateTime(now.toISOString()).slice(0, 10);
}
