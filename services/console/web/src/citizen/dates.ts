// Dates and times as the citizen reads them, in the page's language and the browser's time zone (the hall's,
// on a terminal): a bare date (`2026-12-10`) stays as it is; an instant becomes the local day or time.
export function localDay(value: string, locale: string): string {
  return value.length <= 10 ? value : new Date(value).toLocaleDateString(locale === "en" ? "en-GB" : "zh-CN");
}

export function localTime(value: string, locale: string): string {
  return new Date(value).toLocaleString(locale === "en" ? "en-GB" : "zh-CN", { hour12: false });
}
