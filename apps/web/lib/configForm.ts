// The new-run form is generated from the run kind's zod schema through its JSON Schema (zod 4's
// z.toJSONSchema, input side so that defaults are listed). The form only holds what the admin changed; every
// field left empty takes the schema's default, so defaults are written once (in the engine) and never copied.
import { z } from "zod";

/** The subset of JSON Schema that z.toJSONSchema emits for the engine's configs. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export type FieldType = "object" | "number" | "integer" | "boolean" | "enum" | "string" | "json";

export interface Field {
  /** Dotted path inside the config, e.g. `optimizer.beta2`: the same path zod reports its issues at. */
  path: string;
  name: string;
  type: FieldType;
  default?: unknown;
  options?: string[];
  /** The schema's description where the engine wrote one, else the constraints in words. */
  help: string;
  children?: Field[];
}

/** The JSON Schema of a config, with defaults (the input side of the schema). */
export function configJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${schema.exclusiveMaximum}`);
  if (schema.maximum !== undefined && schema.maximum < SAFE_INTEGER) parts.push(`≤ ${schema.maximum}`);
  return parts.join(", ");
}

function fieldType(schema: JsonSchema): FieldType {
  if (schema.enum && schema.enum.every((v) => typeof v === "string")) return "enum";
  switch (schema.type) {
    case "object":
      return schema.properties ? "object" : "json";
    case "number":
    case "integer":
    case "boolean":
    case "string":
      return schema.type;
    default:
      return "json";
  }
}

/** The form's fields, in the schema's order, nested like the config. */
export function fieldsOf(schema: JsonSchema, prefix = ""): Field[] {
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const type = fieldType(property);
    const bound = constraints(property);
    const help =
      property.description ?? [type === "integer" ? "whole number" : "", bound].filter(Boolean).join(" ");
    return {
      path,
      name,
      type,
      default: property.default,
      options: type === "enum" ? (property.enum as string[]) : undefined,
      help,
      children: type === "object" ? fieldsOf(property, path) : undefined,
    };
  });
}

export type Overrides = Record<string, unknown>;

/** Sets the value at a dotted path, creating the objects on the way. */
function setAt(overrides: Overrides, path: string, value: unknown): Overrides {
  const [head, ...rest] = path.split(".");
  if (rest.length === 0) return { ...overrides, [head]: value };
  return {
    ...overrides,
    [head]: setAt((overrides[head] as Overrides | undefined) ?? {}, rest.join("."), value),
  };
}

/**
 * What a form field holds (text), as the value the schema expects: numbers stay numbers only when they parse
 * (so zod reports "expected number" for `abc` instead of it silently vanishing); empty means "use the default".
 */
export function parseInput(type: FieldType, text: string): unknown {
  if (text.trim() === "") return undefined;
  if (type === "boolean") return text === "true";
  if (type === "number" || type === "integer") {
    const number = Number(text);
    return Number.isFinite(number) ? number : text;
  }
  if (type === "json") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** The config the admin asked for: only the fields they filled in, nested like the schema. */
export function overridesOf(fields: Field[], texts: Record<string, string>): Overrides {
  let overrides: Overrides = {};
  const visit = (list: Field[]) => {
    for (const field of list) {
      if (field.children) visit(field.children);
      else {
        const value = parseInput(field.type, texts[field.path] ?? "");
        if (value !== undefined) overrides = setAt(overrides, field.path, value);
      }
    }
  };
  visit(fields);
  return overrides;
}

/** How a default reads in the form: `8`, `"adamw"` as adamw, objects omitted (their fields show theirs). */
export function describeDefault(field: Field): string | null {
  if (field.default === undefined || field.children) return null;
  return typeof field.default === "string" ? field.default : JSON.stringify(field.default);
}

/** zod issues keyed by dotted path (`config.optimizer.beta2`), the way the form shows them beside each field. */
export function issuesByPath(error: z.ZodError | undefined): Record<string, string> {
  const byPath: Record<string, string> = {};
  for (const issue of error?.issues ?? []) {
    const key = issue.path.map(String).join(".");
    byPath[key] = byPath[key] ? `${byPath[key]}; ${issue.message}` : issue.message;
  }
  return byPath;
}
