// The applicant checks the form makes as the clerk types; the same rules as intake's
// (services/intake/domain/identity.py and phone.py), which decides in the end.

const RESIDENT_CHECK = "10X98765432";
const PROVINCES = new Set(["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
  "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"]);
const CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"; // GB 32100: no I, O, S, V, Z
const CREDIT_AUTHORITIES = "123456789ANY";

export type Check = "ok" | "incomplete" | "format" | "region" | "birth" | "check_digit" | "authority";

function compact(value: string): string {
  return value.replace(/\s+/g, "").toUpperCase();
}

// 居民身份证号码 (GB 11643-1999): 17 digits, then a check character from the weights 2^(17-i) mod 11.
export function checkIdNumber(value: string, today: Date = new Date()): Check {
  const id = compact(value);
  if (id.length < 18) return /^\d*$/.test(id) ? "incomplete" : "format";
  if (!/^\d{17}[\dX]$/.test(id)) return "format";
  if (!PROVINCES.has(id.slice(0, 2))) return "region";
  const [y, m, d] = [Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14))];
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d || y < 1900
      || birth.getTime() > today.getTime()) return "birth";
  let total = 0;
  for (let i = 0; i < 17; i++) total += Number(id[i]) * (2 ** (17 - i) % 11);
  return RESIDENT_CHECK[total % 11] === id[17] ? "ok" : "check_digit";
}

// 统一社会信用代码 (GB 32100-2015): 18 characters of the charset, an authority, a six-digit region, and a check
// character from the weights 3^i mod 31.
export function checkCreditCode(value: string): Check {
  const code = compact(value);
  if ([...code].some((c) => !CREDIT_CHARSET.includes(c))) return "format";
  if (code.length < 18) return "incomplete";
  if (code.length > 18) return "format";
  if (!CREDIT_AUTHORITIES.includes(code[0]) || !/^\d{6}$/.test(code.slice(2, 8))) return "authority";
  let total = 0;
  for (let i = 0; i < 17; i++) total += CREDIT_CHARSET.indexOf(code[i]) * (3 ** i % 31);
  return CREDIT_CHARSET[(31 - (total % 31)) % 31] === code[17] ? "ok" : "check_digit";
}

const MOBILE = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/;
const LANDLINE = /^(010|02\d|0[3-9]\d{2})([2-9]\d{6,7})$/;

// A mobile as its 11 digits (the +86 prefix dropped), a landline as area code and number joined by a dash;
// null when it is neither.
export function normalisePhone(value: string): string | null {
  const digits = value.replace(/[\s()\-－—]/g, "");
  const mobile = MOBILE.exec(digits);
  if (mobile) return mobile[1];
  const landline = LANDLINE.exec(digits);
  return landline ? `${landline[1]}-${landline[2]}` : null;
}
