/**
 * Remembers the last `capacity` ids it was shown, so something can be done
 * once per id (a log line for a skipped event) with bounded memory: an id
 * forgotten after `capacity` newer ones may be reported again.
 */
export class OncePerId {
  // A Set iterates in insertion order, so its first id is the oldest.
  private readonly seen = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True the first time an id is shown (while it is remembered). */
  first(id: string): boolean {
    if (this.seen.has(id)) {
      return false;
    }
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      this.seen.delete(this.seen.values().next().value!);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
