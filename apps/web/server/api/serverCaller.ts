import { db } from "@rlhf/db";
import { log } from "../log";
import { evaluationQueue, trainingQueue } from "../queue";
import { createCaller } from "./root";
import { createContext } from "./trpc";

/**
 * The API's procedures called from server code (pages, route handlers) as this user, so the same role checks
 * apply there as over HTTP.
 */
export const serverCaller = (userId: string | null) =>
  createCaller(createContext({ userId, prisma: db(), queue: trainingQueue, evaluationQueue, log }));
