/** Supervised fine-tuning on `{"messages":[...]}` conversations (objectives/sft.ts). */
import { z } from "zod";
import { postTrainRunShape } from "./posttrain.js";

export const SftConfigSchema = z.strictObject({
  /** TRL SFTConfig learning_rate 2e-5. */
  ...postTrainRunShape(2e-5),
  /**
   * Loss on assistant tokens only (system and user tokens masked). TRL's SFTConfig assistant_only_loss defaults to
   * false; issue 6 asks for the InstructGPT practice of training on the demonstration only, so here it is on.
   */
  assistantOnlyLoss: z.boolean().default(true),
  /**
   * Several conversations per sequence (TRL SFTConfig packing, default false). Packed conversations get
   * block-diagonal attention and restarted positions, so neither attention nor loss crosses a boundary.
   */
  packing: z.boolean().default(false),
});
export type SftConfigInput = z.input<typeof SftConfigSchema>;
export type SftConfig = z.output<typeof SftConfigSchema>;
