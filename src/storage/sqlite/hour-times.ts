// The timestamps an hour holds, as offsets from its start (0 .. 3,599,999 ms), for the writer's
// duplicate check. Devices send in time order, so a new offset almost always lies past the last
// one: a comparison tells it is new and an append keeps it, in a sorted typed array of 4 bytes
// per sample, with no hashing (a Set<number> of a 1 Hz hour costs several times the memory and
// a hash per lookup). Offsets that arrive out of order go to a Set beside it, so even a stream
// arriving backwards costs what a Set alone would.
export class HourTimes {
  private sorted = new Uint32Array(16);
  private n = 0;
  private late: Set<number> | null = null;

  get size(): number {
    return this.n + (this.late?.size ?? 0);
  }

  has(offset: number): boolean {
    if (this.late?.has(offset)) return true;
    const n = this.n;
    if (n === 0 || offset > this.sorted[n - 1]) return false;
    return this.indexOf(offset) >= 0;
  }

  /** Keeps an offset not held yet. */
  add(offset: number): void {
    const n = this.n;
    if (n > 0 && offset <= this.sorted[n - 1]) {
      if (!this.late) this.late = new Set();
      this.late.add(offset);
      return;
    }
    if (n === this.sorted.length) {
      const grown = new Uint32Array(n * 2);
      grown.set(this.sorted);
      this.sorted = grown;
    }
    this.sorted[n] = offset;
    this.n = n + 1;
  }

  /** Takes an offset out again (a write that did not commit); cheapest from the last added back. */
  delete(offset: number): void {
    if (this.late?.delete(offset)) return;
    const i = this.indexOf(offset);
    if (i < 0) return;
    this.sorted.copyWithin(i, i + 1, this.n);
    this.n -= 1;
  }

  private indexOf(offset: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.sorted[mid];
      if (v === offset) return mid;
      if (v < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
