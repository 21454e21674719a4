import { describe, expect, it } from "vitest";
import { checkCreditCode, checkIdNumber, normalisePhone } from "../src/validators";

const TODAY = new Date("2026-12-07T00:00:00Z");

describe("ID number (GB 11643)", () => {
  it("accepts a number whose check character matches, X included", () => {
    expect(checkIdNumber("11010519491231002X", TODAY)).toBe("ok");
    expect(checkIdNumber("110105 19491231 002x", TODAY)).toBe("ok");
  });
  it("names a wrong check character", () => {
    expect(checkIdNumber("110105194912310021", TODAY)).toBe("check_digit");
  });
  it("is incomplete while digits are still being typed, and wrong with a letter inside", () => {
    expect(checkIdNumber("1101051949", TODAY)).toBe("incomplete");
    expect(checkIdNumber("11010A19491231002X", TODAY)).toBe("format");
  });
  it("refuses an impossible birth date or a province that does not exist", () => {
    expect(checkIdNumber("110105194902300000", TODAY)).toBe("birth");
    expect(checkIdNumber("990105194912310021", TODAY)).toBe("region");
  });
});

describe("unified social credit code (GB 32100)", () => {
  it("accepts a code whose check character matches", () => {
    expect(checkCreditCode("91350100M000100Y43")).toBe("ok");
  });
  it("names a wrong check character", () => {
    expect(checkCreditCode("91350100M000100Y44")).toBe("check_digit");
  });
  it("refuses the letters the standard leaves out (I, O, S, V, Z)", () => {
    expect(checkCreditCode("9135010OM000100Y43")).toBe("format");
  });
  it("is incomplete while being typed", () => {
    expect(checkCreditCode("913501")).toBe("incomplete");
  });
});

describe("phone", () => {
  it("drops the country prefix of a mobile and joins a landline's area code with a dash", () => {
    expect(normalisePhone("+86 138-1234-5678")).toBe("13812345678");
    expect(normalisePhone("(0755) 8612 3456")).toBe("0755-86123456");
  });
  it("refuses what reaches no person", () => {
    expect(normalisePhone("4008001234")).toBeNull();
    expect(normalisePhone("1381234567")).toBeNull();
  });
});
