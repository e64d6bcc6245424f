-- Annotation at scale (issue 12): precomputed answer counts per prompt and "a task was ever made" flags, kept by
-- triggers, with partial indexes that list the items nobody has a task for yet, oldest first.
-- Prisma's offline migration runner splits a script at every semicolon, even inside quotes, so the function
-- bodies are escape strings whose semicolons are spelled \x3B.

-- AlterTable
ALTER TABLE "Prompt" ADD COLUMN "visibleAnswers" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "answerTaskStarted" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "rankTaskStarted" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Response" ADD COLUMN "labelTaskStarted" BOOLEAN NOT NULL DEFAULT false;

CREATE FUNCTION prompt_visible_answers() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF TG_OP IN (''UPDATE'', ''DELETE'') AND OLD."hiddenAt" IS NULL AND OLD."reviewState" <> ''REJECTED'' THEN
    UPDATE "Prompt" SET "visibleAnswers" = "visibleAnswers" - 1 WHERE id = OLD."promptId"\x3B
  END IF\x3B
  IF TG_OP IN (''INSERT'', ''UPDATE'') AND NEW."hiddenAt" IS NULL AND NEW."reviewState" <> ''REJECTED'' THEN
    UPDATE "Prompt" SET "visibleAnswers" = "visibleAnswers" + 1 WHERE id = NEW."promptId"\x3B
  END IF\x3B
  RETURN NULL\x3B
END';

CREATE TRIGGER prompt_visible_answers AFTER INSERT OR DELETE OR UPDATE OF "hiddenAt", "reviewState", "promptId"
  ON "Response" FOR EACH ROW EXECUTE FUNCTION prompt_visible_answers();

CREATE FUNCTION item_task_started() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF NEW.kind = ''WRITE_ANSWER'' THEN
    UPDATE "Prompt" SET "answerTaskStarted" = true WHERE id = NEW."promptId" AND NOT "answerTaskStarted"\x3B
  ELSIF NEW.kind = ''RANK'' THEN
    UPDATE "Prompt" SET "rankTaskStarted" = true WHERE id = NEW."promptId" AND NOT "rankTaskStarted"\x3B
  ELSIF NEW.kind = ''LABEL'' THEN
    UPDATE "Response" SET "labelTaskStarted" = true
    WHERE ''response:'' || id = NEW.target AND NOT "labelTaskStarted"\x3B
  END IF\x3B
  RETURN NULL\x3B
END';

CREATE TRIGGER item_task_started AFTER INSERT ON "TaskSlot" FOR EACH ROW EXECUTE FUNCTION item_task_started();

-- Existing rows.
UPDATE "Prompt" p SET "visibleAnswers" = (
  SELECT count(*) FROM "Response" r WHERE r."promptId" = p.id AND r."hiddenAt" IS NULL AND r."reviewState" <> 'REJECTED');
UPDATE "Prompt" p SET "answerTaskStarted" = true
  WHERE EXISTS (SELECT 1 FROM "TaskSlot" s WHERE s.kind = 'WRITE_ANSWER' AND s."promptId" = p.id);
UPDATE "Prompt" p SET "rankTaskStarted" = true
  WHERE EXISTS (SELECT 1 FROM "TaskSlot" s WHERE s.kind = 'RANK' AND s."promptId" = p.id);
UPDATE "Response" r SET "labelTaskStarted" = true
  WHERE EXISTS (SELECT 1 FROM "TaskSlot" s WHERE s.kind = 'LABEL' AND s.target = 'response:' || r.id);

-- The untouched items per task kind (assignment's queries repeat these predicates so the planner uses them).
CREATE INDEX "Prompt_answer_pool_idx" ON "Prompt"("createdAt")
  WHERE NOT "answerTaskStarted" AND "hiddenAt" IS NULL AND "reviewState" <> 'REJECTED';
CREATE INDEX "Prompt_rank_pool_idx" ON "Prompt"("createdAt")
  WHERE NOT "rankTaskStarted" AND "visibleAnswers" >= 2 AND "hiddenAt" IS NULL AND "reviewState" <> 'REJECTED';
CREATE INDEX "Response_label_pool_idx" ON "Response"("createdAt")
  WHERE NOT "labelTaskStarted" AND "hiddenAt" IS NULL AND "reviewState" <> 'REJECTED';
