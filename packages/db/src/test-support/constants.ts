export const TEMPLATE_DATABASE = "rlhf_template";

export interface ProvidedServices {
  /** URL of the cluster's maintenance database (CREATE DATABASE is run there). */
  postgresAdminUrl: string;
  redisUrl: string;
  /** Scratch directory removed after the run. */
  tempDir: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    rlhfServices: ProvidedServices;
  }
}
