// How a counter (a meter total) grows, the one definition the store's agg=increase/rate and the
// alert rules of kind increase/rate share: a drop is a reset to zero, after which the new value
// is the rise, as Prometheus counts.

/** How much a counter grew from `prev` to `next`: a drop is a reset, from which it grew to `next`. */
export function riseBetween(prev: number, next: number): number {
  return next >= prev ? next - prev : next;
}
