-- Annotation at scale (issue 12): per-item task counters, kept by a trigger in the transaction of every task write.

-- CreateTable
CREATE TABLE "TaskSlot" (
    "kind" "TaskKind" NOT NULL,
    "target" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "assigned" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TaskSlot_pkey" PRIMARY KEY ("kind","target")
);

-- Items someone has worked on and that are not yet done by enough people (assignment's "in progress" read;
-- the query repeats this predicate so the planner can use the index).
CREATE INDEX "TaskSlot_in_progress_idx" ON "TaskSlot"("kind", "done") WHERE "assigned" + "done" + "skipped" > 0;

-- Prisma's offline migration runner splits a script at every semicolon, even inside quotes, so the function body
-- is an escape string whose semicolons are spelled \x3B (as in the annotation migration).
CREATE FUNCTION task_slot_count() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF TG_OP IN (''UPDATE'', ''DELETE'') THEN
    UPDATE "TaskSlot" SET
      "assigned" = "assigned" - (OLD.status = ''ASSIGNED'')::int,
      "done" = "done" - (OLD.status = ''DONE'')::int,
      "skipped" = "skipped" - (OLD.status = ''SKIPPED'')::int
    WHERE "kind" = OLD.kind AND "target" = OLD.target\x3B
  END IF\x3B
  IF TG_OP IN (''INSERT'', ''UPDATE'') THEN
    INSERT INTO "TaskSlot" ("kind", "target", "promptId", "assigned", "done", "skipped")
    VALUES (NEW.kind, NEW.target, NEW."promptId", (NEW.status = ''ASSIGNED'')::int, (NEW.status = ''DONE'')::int,
            (NEW.status = ''SKIPPED'')::int)
    ON CONFLICT ("kind", "target") DO UPDATE SET
      "assigned" = "TaskSlot"."assigned" + EXCLUDED."assigned",
      "done" = "TaskSlot"."done" + EXCLUDED."done",
      "skipped" = "TaskSlot"."skipped" + EXCLUDED."skipped"\x3B
  END IF\x3B
  RETURN NULL\x3B
END';

CREATE TRIGGER task_slot_count AFTER INSERT OR DELETE OR UPDATE OF status, kind, target ON "Task"
  FOR EACH ROW EXECUTE FUNCTION task_slot_count();

-- Existing tasks.
INSERT INTO "TaskSlot" ("kind", "target", "promptId", "assigned", "done", "skipped")
SELECT kind, target, min("promptId"), count(*) FILTER (WHERE status = 'ASSIGNED'),
       count(*) FILTER (WHERE status = 'DONE'), count(*) FILTER (WHERE status = 'SKIPPED')
FROM "Task" GROUP BY kind, target;
