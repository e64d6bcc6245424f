import { adminRouter } from "./routers/admin";
import { annotationRouter } from "./routers/annotation";
import { datasetsRouter } from "./routers/datasets";
import { modelsRouter } from "./routers/models";
import { reviewRouter } from "./routers/review";
import { trainingRouter } from "./routers/training";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  training: trainingRouter,
  admin: adminRouter,
  annotation: annotationRouter,
  review: reviewRouter,
  datasets: datasetsRouter,
  models: modelsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
