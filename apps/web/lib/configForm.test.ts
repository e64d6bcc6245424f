import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  configJsonSchema,
  describeDefault,
  fieldsOf,
  issuesByPath,
  overridesOf,
  parseInput,
} from "./configForm";

const schema = z.strictObject({
  learningRate: z.number().positive().default(2e-5),
  epochs: z.number().int().positive().default(3),
  maxSteps: z.number().int().positive().optional(),
  packing: z.boolean().default(false),
  optimizer: z
    .strictObject({
      name: z.enum(["adamw", "lamb"]).default("adamw"),
      beta2: z.number().min(0).lt(1).default(0.999).describe("Second-moment decay."),
    })
    .prefault({}),
});

describe("fieldsOf", () => {
  it("lists every field with its type, default, choices and constraints, nested like the config", () => {
    const fields = fieldsOf(configJsonSchema(schema));
    expect(fields.map((f) => [f.path, f.type, f.default])).toEqual([
      ["learningRate", "number", 2e-5],
      ["epochs", "integer", 3],
      ["maxSteps", "integer", undefined],
      ["packing", "boolean", false],
      ["optimizer", "object", {}],
    ]);
    expect(fields[0].help).toBe("> 0");
    expect(fields[1].help).toBe("whole number > 0");
    const [name, beta2] = fields[4].children!;
    expect(name).toMatchObject({ path: "optimizer.name", type: "enum", options: ["adamw", "lamb"] });
    expect(beta2).toMatchObject({ path: "optimizer.beta2", default: 0.999, help: "Second-moment decay." });
  });
});

describe("overridesOf", () => {
  const fields = fieldsOf(configJsonSchema(schema));

  it("keeps only the fields filled in, nested like the config, so the schema fills every default", () => {
    const overrides = overridesOf(fields, {
      "optimizer.beta2": "0.95",
      epochs: "1",
      learningRate: " ",
      packing: "true",
    });
    expect(overrides).toEqual({ optimizer: { beta2: 0.95 }, epochs: 1, packing: true });
    expect(schema.parse(overrides)).toEqual({
      learningRate: 2e-5,
      epochs: 1,
      packing: true,
      optimizer: { name: "adamw", beta2: 0.95 },
    });
  });

  it("keeps unparsable numbers as text so the schema names the field", () => {
    expect(parseInput("number", "1e-3")).toBe(0.001);
    const issues = issuesByPath(schema.safeParse(overridesOf(fields, { epochs: "three" })).error);
    expect(Object.keys(issues)).toEqual(["epochs"]);
    expect(issues.epochs).toMatch(/expected number/);
    const nested = issuesByPath(schema.safeParse(overridesOf(fields, { "optimizer.beta2": "1" })).error);
    expect(Object.keys(nested)).toEqual(["optimizer.beta2"]);
  });

  it("describes defaults as the form shows them", () => {
    expect(fields.map(describeDefault)).toEqual(["0.00002", "3", null, "false", null]);
    expect(describeDefault(fields[4].children![0])).toBe("adamw");
  });
});
