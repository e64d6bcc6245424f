import { accountRouter } from "./routers/account";
import { adminRouter } from "./routers/admin";
import { annotationRouter } from "./routers/annotation";
import { arenaRouter } from "./routers/arena";
import { datasetsRouter } from "./routers/datasets";
import { modelsRouter } from "./routers/models";
import { playgroundRouter } from "./routers/playground";
import { reviewRouter } from "./routers/review";
import { trainingRouter } from "./routers/training";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  training: trainingRouter,
  admin: adminRouter,
  account: accountRouter,
  annotation: annotationRouter,
  review: reviewRouter,
  datasets: datasetsRouter,
  models: modelsRouter,
  playground: playgroundRouter,
  arena: arenaRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
