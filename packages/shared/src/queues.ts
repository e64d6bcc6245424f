/** BullMQ queue names. */
export const QUEUES = {
  training: "training",
} as const;
