import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Every engine entry point except its light config schemas (the runtime is heavy and server-only). */
const ENGINE_RUNTIME = "^@rlhf/engine(?!/config$)(/.*)?$";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      "**/dist/**",
      "**/.data/**",
      "**/next-env.d.ts",
      "**/fixtures/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  // Package boundaries (see each package's README): the engine stands alone; shared contracts never reach into
  // the database or the apps; the web app may read the engine's config schemas but never load its runtime.
  {
    files: ["packages/engine/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@rlhf/*"], message: "the engine imports nothing of this project's packages" },
          ],
        },
      ],
    },
  },
  {
    files: ["packages/shared/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@rlhf/db", "@rlhf/db/*"],
              message: "shared contracts must not depend on the database",
            },
            {
              group: ["@rlhf/web", "@rlhf/web/*", "@rlhf/trainer", "@rlhf/trainer/*", "**/apps/*"],
              message: "shared contracts must not import apps",
            },
            {
              regex: ENGINE_RUNTIME,
              message: "only the engine's config schemas (@rlhf/engine/config) may be imported",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["apps/web/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: ENGINE_RUNTIME,
              message: "the web app may import only the engine's config schemas (@rlhf/engine/config)",
            },
          ],
        },
      ],
    },
  },
);
