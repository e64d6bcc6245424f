"use client";

import { useEffect, useState } from "react";

/**
 * A value kept in localStorage under `key` while the person works, so a reload or a navigation away does not
 * lose it; `clear` after a successful submit. A null key (no task yet) keeps nothing.
 */
export function useDraft<T>(key: string | null, empty: T): [T, (value: T) => void, () => void] {
  const [value, setValue] = useState<T>(empty);
  const [loadedKey, setLoadedKey] = useState<string | null>(null);
  if (key !== loadedKey) {
    setLoadedKey(key);
    const stored = key && typeof window !== "undefined" ? window.localStorage.getItem(`draft:${key}`) : null;
    setValue(stored ? (JSON.parse(stored) as T) : empty);
  }
  useEffect(() => {
    if (!key || key !== loadedKey) return;
    if (JSON.stringify(value) === JSON.stringify(empty)) window.localStorage.removeItem(`draft:${key}`);
    else window.localStorage.setItem(`draft:${key}`, JSON.stringify(value));
  }, [key, loadedKey, value, empty]);
  const clear = () => {
    if (key) window.localStorage.removeItem(`draft:${key}`);
    setValue(empty);
  };
  return [value, setValue, clear];
}
