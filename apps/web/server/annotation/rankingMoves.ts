/**
 * Edits of a ranking with ties (groups of response ids, best first) as the ranking page performs them by
 * keyboard, buttons or drag and drop. Pure, so every move is tested without a browser.
 *   up / down: the answer moves past the neighbouring group as a group of its own (leaving a tie first);
 *   tie:       the answer joins the group above (at the top: the group below), or leaves its tie downwards;
 *   join:      the answer joins a given group (dropped onto it);
 *   insert:    the answer becomes its own group at a given position (dropped between groups).
 */
export type Groups = string[][];

function locate(groups: Groups, id: string): number {
  const index = groups.findIndex((group) => group.includes(id));
  if (index < 0) throw new Error(`ranking: no answer ${id}`);
  return index;
}

function without(groups: Groups, id: string): Groups {
  return groups.map((group) => group.filter((x) => x !== id));
}

const compact = (groups: Groups): Groups => groups.filter((group) => group.length > 0);

export function moveUp(groups: Groups, id: string): Groups {
  const g = locate(groups, id);
  if (groups[g].length > 1)
    return compact([...without(groups, id).slice(0, g), [id], ...without(groups, id).slice(g)]);
  if (g === 0) return groups;
  const next = [...groups];
  [next[g - 1], next[g]] = [next[g], next[g - 1]];
  return next;
}

export function moveDown(groups: Groups, id: string): Groups {
  const g = locate(groups, id);
  if (groups[g].length > 1)
    return compact([...without(groups, id).slice(0, g + 1), [id], ...without(groups, id).slice(g + 1)]);
  if (g === groups.length - 1) return groups;
  const next = [...groups];
  [next[g], next[g + 1]] = [next[g + 1], next[g]];
  return next;
}

export function toggleTie(groups: Groups, id: string): Groups {
  const g = locate(groups, id);
  if (groups[g].length > 1) return moveDown(groups, id);
  if (groups.length === 1) return groups;
  return joinGroup(groups, id, g === 0 ? 1 : g - 1);
}

export function joinGroup(groups: Groups, id: string, target: number): Groups {
  if (groups[target]?.includes(id)) return groups;
  const next = without(groups, id);
  next[target] = [...next[target], id];
  return compact(next);
}

/** `position` counts group boundaries in the current ranking: 0 = above the best group. */
export function insertAt(groups: Groups, id: string, position: number): Groups {
  const next = without(groups, id);
  next.splice(position, 0, [id]);
  return compact(next);
}
