#!/usr/bin/env node
// The engine ships as TypeScript source; tsx compiles it on the fly so `npx engine` needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
