-- Arena and playground (issue 9): streamed generations, models published to the arena, battles and votes.

-- AlterEnum
ALTER TYPE "PromptSource" ADD VALUE 'PLAYGROUND';

-- CreateEnum
CREATE TYPE "GenerationStatus" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'STOPPED', 'FAILED');

-- CreateEnum
CREATE TYPE "ArenaVote" AS ENUM ('A', 'B', 'TIE', 'BOTH_BAD');

-- CreateTable
CREATE TABLE "Generation" (
    "id" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "userId" TEXT,
    "messages" JSONB NOT NULL,
    "params" JSONB NOT NULL,
    "status" "GenerationStatus" NOT NULL DEFAULT 'QUEUED',
    "text" TEXT NOT NULL DEFAULT '',
    "tokens" INTEGER NOT NULL DEFAULT 0,
    "stopReason" TEXT,
    "error" TEXT,
    "battleId" TEXT,
    "side" TEXT,
    "turn" INTEGER NOT NULL DEFAULT 1,
    "responseId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Generation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArenaEntry" (
    "id" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "publishedById" TEXT,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArenaEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArenaBattle" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "versionAId" TEXT,
    "versionBId" TEXT,
    "modelA" TEXT NOT NULL,
    "modelB" TEXT NOT NULL,
    "turns" INTEGER NOT NULL DEFAULT 0,
    "vote" "ArenaVote",
    "votedAt" TIMESTAMP(3),
    "excludedReason" TEXT,
    "conversationA" JSONB,
    "conversationB" JSONB,
    "anony" BOOLEAN NOT NULL DEFAULT true,
    "judge" TEXT,
    "language" TEXT,
    "source" TEXT NOT NULL DEFAULT 'arena',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArenaBattle_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Generation_responseId_key" ON "Generation"("responseId");

-- CreateIndex
CREATE INDEX "Generation_battleId_turn_idx" ON "Generation"("battleId", "turn");

-- CreateIndex
CREATE INDEX "Generation_userId_createdAt_idx" ON "Generation"("userId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ArenaEntry_versionId_key" ON "ArenaEntry"("versionId");

-- CreateIndex
CREATE INDEX "ArenaBattle_votedAt_idx" ON "ArenaBattle"("votedAt");

-- CreateIndex
CREATE INDEX "ArenaBattle_userId_createdAt_idx" ON "ArenaBattle"("userId", "createdAt");

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_battleId_fkey" FOREIGN KEY ("battleId") REFERENCES "ArenaBattle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_responseId_fkey" FOREIGN KEY ("responseId") REFERENCES "Response"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArenaEntry" ADD CONSTRAINT "ArenaEntry_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArenaBattle" ADD CONSTRAINT "ArenaBattle_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
