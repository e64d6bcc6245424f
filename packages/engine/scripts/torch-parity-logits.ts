/**
 * The engine's half of the torch backend's interchange test (python/tests/test_interchange.py): loads a model folder
 * the way every engine reader does (loadModelFolder: engine_config.json or HF config.json, model.safetensors) and
 * prints the logits of its own graph for one row of token ids as JSON {shape, logits}.
 *
 *   npx tsx scripts/torch-parity-logits.ts <modelFolder> <id,id,...>
 */
import { Graph } from "../src/graph/graph.js";
import { loadModelFolder } from "../src/hf/folder.js";
import { parameterSpecs } from "../src/models/parameters.js";
import { sequenceAttention, transformerLogits } from "../src/models/transformer.js";
import { toOnnx } from "../src/onnx/index.js";
import { Session, tensor } from "../src/runtime/index.js";

async function main(): Promise<void> {
  const [dir, idList] = process.argv.slice(2);
  if (!dir || !idList) {
    console.error("usage: tsx scripts/torch-parity-logits.ts <modelFolder> <id,id,...>");
    process.exit(2);
  }
  const ids = idList.split(",").map(Number);
  const { model, weights } = loadModelFolder(dir);
  const g = new Graph("logits");
  const params = Object.fromEntries(
    parameterSpecs(model).map((s) => [
      s.name,
      g.constant("float32", s.shape, weights[s.name].data as Float32Array),
    ]),
  );
  const S = ids.length;
  const positions = g.constant(
    "int64",
    [S],
    Array.from({ length: S }, (_, i) => i),
  );
  const input = g.input("input_ids", "int32", [1, S]);
  g.output(
    "logits",
    transformerLogits(model, params, { ids: input, positions, attend: sequenceAttention(model, S) }),
  );
  const session = await Session.create(toOnnx(g), { threads: 1 });
  try {
    const out = await session.run({ input_ids: tensor("int32", [1, S], Int32Array.from(ids)) });
    const logits = Array.from(out.logits.data as Float32Array);
    console.log(JSON.stringify({ shape: [1, S, model.vocabSize], logits }));
  } finally {
    await session.release();
  }
}

await main();
