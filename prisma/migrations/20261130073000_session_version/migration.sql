-- Annotation at scale (issue 12): sign-out and password change revoke existing sessions.
ALTER TABLE "User" ADD COLUMN "sessionVersion" INTEGER NOT NULL DEFAULT 0;
