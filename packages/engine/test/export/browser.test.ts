/**
 * The transformers.js export in a real browser: Debian's Chromium loads transformers.js and onnxruntime-web (wasm)
 * from a local HTTP server, which also serves the exported folder, and generates greedily; the tokens must be the
 * engine's. Nothing is fetched from outside: remote models are off and the wasm files come from node_modules.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../../../e2e/browser.js";
import { PRESETS, engineGreedy, tinyCheckpoint } from "./fixtures.js";

const ENGINE = join(import.meta.dirname, "../../bin/engine.mjs");
const transformersDist = dirname(createRequire(import.meta.url).resolve("@huggingface/transformers"));
const ortDist = dirname(createRequire(transformersDist).resolve("onnxruntime-web"));
const PROMPT = "hello there, how";
const NEW_TOKENS = 12;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { env, pipeline } from "/lib/transformers.js";
const params = new URLSearchParams(location.search);
try {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = "/models/";
  env.useBrowserCache = false;
  env.useWasmCache = false;
  env.backends.onnx.wasm.numThreads = 1;
  env.backends.onnx.wasm.wasmPaths = {
    mjs: "/ort/ort-wasm-simd-threaded.asyncify.mjs",
    wasm: "/ort/ort-wasm-simd-threaded.asyncify.wasm",
  };
  const pipe = await pipeline("text-generation", "exported", { dtype: "fp32", device: "wasm" });
  const inputs = pipe.tokenizer(params.get("prompt"));
  const max_new_tokens = Number(params.get("tokens"));
  const ids = await pipe.model.generate({ ...inputs, max_new_tokens, do_sample: false });
  const [out] = await pipe(params.get("prompt"), { max_new_tokens, do_sample: false, return_full_text: false });
  window.result = { prompt: Array.from(inputs.input_ids.data, Number), ids: ids.tolist()[0].map(Number), text: out.generated_text };
} catch (err) {
  window.result = { error: String(err && err.stack || err) };
}
</script>`;

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Serves the page, transformers.js, onnxruntime-web's wasm and the exported folder; everything else is a 404. */
function serve(exported: string): Promise<Server> {
  const roots: [string, string][] = [
    ["/lib/", transformersDist],
    ["/ort/", ortDist],
    ["/models/exported/", exported],
  ];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      return;
    }
    const root = roots.find(([prefix]) => path.startsWith(prefix));
    const file = root && join(root[1], normalize(path.slice(root[0].length)).replace(/^(\.\.[/\\])+/, ""));
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("transformers.js export in Chromium", () => {
  let server: Server;
  let expected: { prompt: number[]; tokens: number[] };
  let decoded: string;

  beforeAll(async () => {
    const { dir, tokenizer } = await tinyCheckpoint(PRESETS[1][1]);
    const out = join(mkdtempSync(join(tmpdir(), "tfjs-browser-")), "exported");
    const cli = spawnSync(
      process.execPath,
      [ENGINE, "export", dir, "--format", "transformers.js", "--out", out],
      {
        encoding: "utf8",
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expected = await engineGreedy(dir, tokenizer, PROMPT, NEW_TOKENS);
    decoded = tokenizer.decode(expected.tokens, { skipSpecialTokens: true });
    server = await serve(out);
  }, 120_000); // the CLI export and the engine's generation: seconds each on a busy machine

  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("generates the engine's greedy tokens with onnxruntime-web (wasm)", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const { port } = server.address() as AddressInfo;
      const query = new URLSearchParams({ prompt: PROMPT, tokens: String(NEW_TOKENS) });
      await page.goto(`http://127.0.0.1:${port}/?${query}`);
      await page.waitForFunction("window.result !== undefined", null, { timeout: 100_000 });
      const result = (await page.evaluate("window.result")) as
        { prompt: number[]; ids: number[]; text: string } | { error: string };
      if ("error" in result) throw new Error(`in the browser: ${result.error}`);
      expect(result.prompt).toEqual(expected.prompt);
      expect(result.ids.slice(expected.prompt.length)).toEqual(expected.tokens);
      expect(result.text).toBe(decoded);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
