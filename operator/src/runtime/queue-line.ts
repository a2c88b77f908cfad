/**
 * One priority's line of waiting keys, in the order of their turns (numbers the work queue hands
 * out in increasing order). Keys mostly join at the back; a key whose piece of work had begun
 * before rejoins at the place its older turn gives it.
 */

interface Place {
  key: string;
  turn: number;
}

export class QueueLine {
  private readonly places: Place[] = [];

  get length(): number {
    return this.places.length;
  }

  insert(key: string, turn: number): void {
    this.places.splice(this.indexOf(turn), 0, { key, turn });
  }

  /** Removes the key waiting with this turn; false if it is not there. */
  remove(key: string, turn: number): boolean {
    const index = this.indexOf(turn);
    if (this.places[index]?.key !== key) return false;
    this.places.splice(index, 1);
    return true;
  }

  /** The key with the lowest turn, taken out of the line. */
  shift(): string | undefined {
    return this.places.shift()?.key;
  }

  clear(): void {
    this.places.length = 0;
  }

  /** The first index whose turn is not below `turn` (binary search). */
  private indexOf(turn: number): number {
    let low = 0;
    let high = this.places.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.places[middle]?.turn ?? Infinity) < turn) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
