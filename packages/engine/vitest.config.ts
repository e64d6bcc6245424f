import { defineConfig } from "vitest/config";

// Default test discovery; the global setup provides the Python environment of the Hugging Face interop tests.
export default defineConfig({
  test: {
    globalSetup: ["./test/hf/python-env.ts"],
  },
});
