"use client";

import { useCallback, useState } from "react";

/**
 * One id per intended submission: a double click or a retry sends the same id (the server writes once);
 * `renew` after a success so the next submission is a new one.
 */
export function useSubmissionId(): [string, () => void] {
  const [id, setId] = useState(() => crypto.randomUUID());
  const renew = useCallback(() => setId(crypto.randomUUID()), []);
  return [id, renew];
}
