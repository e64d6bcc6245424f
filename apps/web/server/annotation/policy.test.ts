import { describe, expect, it } from "vitest";
import { parseAnnotationPolicy } from "./policy";

describe("parseAnnotationPolicy", () => {
  it("fills every default when nothing is set and overrides only what is given", () => {
    const defaults = parseAnnotationPolicy(undefined);
    expect(defaults.overlap).toBe(3);
    const custom = parseAnnotationPolicy('{"overlap": 5}');
    expect(custom).toEqual({ ...defaults, overlap: 5 });
  });

  it("names the wrong or unknown field", () => {
    expect(() => parseAnnotationPolicy('{"overlap": 0}')).toThrow(/ANNOTATION_POLICY: overlap: /);
    expect(() => parseAnnotationPolicy('{"overlapp": 2}')).toThrow(/"overlapp"/);
    expect(() => parseAnnotationPolicy("{")).toThrow(/not valid JSON/);
  });
});
