/**
 * Picks one of `items` at random in proportion to its weight (`weights[i]` for `items[i]`); with a
 * single item, that item.
 * The request mix and both kinds of flows pick this way.
 */
export function weightedPicker<T>(items: readonly T[], weights: readonly number[]): () => T {
  if (items.length === 1) {
    const only = items[0]!;
    return () => only;
  }
  const cumulative = new Float64Array(items.length);
  let total = 0;
  weights.forEach((weight, index) => (cumulative[index] = total += weight));
  const last = items.length - 1;
  return () => {
    const point = Math.random() * total;
    for (let index = 0; index < last; index++) if (point < cumulative[index]!) return items[index]!;
    return items[last]!;
  };
}
