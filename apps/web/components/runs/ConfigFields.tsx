"use client";

import { describeDefault, type Field } from "@/lib/configForm";

interface Props {
  fields: Field[];
  texts: Record<string, string>;
  /** Issues by path inside the config (`optimizer.beta2`). */
  issues: Record<string, string>;
  onChange(path: string, text: string): void;
}

const inputId = (path: string) => `config-${path.replaceAll(".", "-")}`;

function FieldInput({
  field,
  text,
  invalid,
  onChange,
}: {
  field: Field;
  text: string;
  invalid: boolean;
  onChange(text: string): void;
}) {
  const common = {
    id: inputId(field.path),
    name: field.path,
    "aria-invalid": invalid,
    "aria-describedby": `${inputId(field.path)}-help`,
  };
  if (field.type === "boolean") {
    const checked = text === "" ? field.default === true : text === "true";
    return (
      <input
        {...common}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(String(e.target.checked))}
      />
    );
  }
  if (field.type === "enum")
    return (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">
          {field.default === undefined ? "engine decides" : `default (${String(field.default)})`}
        </option>
        {field.options!.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  return (
    <input
      {...common}
      // Text, not type=number: what was typed stays visible, and the schema says what is wrong with it.
      type="text"
      inputMode={field.type === "integer" ? "numeric" : field.type === "number" ? "decimal" : undefined}
      value={text}
      placeholder={describeDefault(field) ?? ""}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

const hasIssueUnder = (field: Field, issues: Record<string, string>) =>
  Object.keys(issues).some((path) => path === field.path || path.startsWith(`${field.path}.`));

/** The form of one run kind's config, generated from its JSON Schema: every field, its default and limits. */
export function ConfigFields({ fields, texts, issues, onChange }: Props) {
  return (
    <div className="config-group">
      {fields.map((field) => {
        if (field.children)
          return (
            <details
              key={field.path}
              open={hasIssueUnder(field, issues) || undefined}
              className="config-details"
            >
              <summary>{field.name}</summary>
              <ConfigFields fields={field.children} texts={texts} issues={issues} onChange={onChange} />
            </details>
          );
        const issue = issues[field.path];
        const fallback = describeDefault(field);
        return (
          <div key={field.path} className="config-field">
            <label htmlFor={inputId(field.path)} className="mono">
              {field.name}
            </label>
            <FieldInput
              field={field}
              text={texts[field.path] ?? ""}
              invalid={!!issue}
              onChange={(text) => onChange(field.path, text)}
            />
            <span id={`${inputId(field.path)}-help`} className="muted small">
              {fallback !== null ? `default ${fallback}` : "optional"}
              {field.help && ` · ${field.help}`}
            </span>
            {issue && (
              <span role="alert" className="field-error">
                {issue}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
