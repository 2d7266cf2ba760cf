/**
 * Keeps the k largest and k smallest values of a stream of (index, value)
 * pairs per row, without holding the whole train × test score matrix.
 */
/** A tracker's lists as plain arrays (what a worker thread sends back: TopKTracker.merge). */
export type TopKParts = Pick<
  TopKTracker,
  'topIndex' | 'topValue' | 'topCount' | 'bottomIndex' | 'bottomValue' | 'bottomCount'
>;

export class TopKTracker {
  private readonly size: number;
  /** Per row: k best positive (proponents), sorted descending. */
  readonly topIndex: Int32Array;
  readonly topValue: Float64Array;
  /** Per row: k most negative (opponents), sorted ascending. */
  readonly bottomIndex: Int32Array;
  readonly bottomValue: Float64Array;
  /** Per row: how many entries of each list are filled. */
  readonly topCount: Int32Array;
  readonly bottomCount: Int32Array;

  constructor(
    readonly rows: number,
    readonly k: number,
  ) {
    this.size = rows * k;
    this.topIndex = new Int32Array(this.size);
    this.topValue = new Float64Array(this.size);
    this.bottomIndex = new Int32Array(this.size);
    this.bottomValue = new Float64Array(this.size);
    this.topCount = new Int32Array(rows);
    this.bottomCount = new Int32Array(rows);
  }

  /** Offers `value` for `row`; only positive values can become proponents, only negative ones opponents. */
  offer(row: number, index: number, value: number): void {
    if (this.k === 0) return;
    if (value > 0) this.insert(row, index, value, this.topIndex, this.topValue, this.topCount, 1);
    else if (value < 0) this.insert(row, index, value, this.bottomIndex, this.bottomValue, this.bottomCount, -1);
  }

  /**
   * Offers values[offset + j] with index firstIndex + j for j < count, all for `row`: the same
   * result as count calls of offer(), but once a list is full a value enters only past its
   * current k-th entry, so the scan compares against two thresholds kept in locals and calls
   * insert() for the few values that can enter (the train × test scan is mostly rejections).
   */
  offerRow(row: number, firstIndex: number, values: ArrayLike<number>, offset: number, count: number): void {
    const k = this.k;
    if (k === 0) return;
    const last = row * k + k - 1;
    // A value enters the top list when > hi, the bottom list when < lo; until a list is full its threshold is 0.
    let hi = this.topCount[row] === k ? this.topValue[last] : 0;
    let lo = this.bottomCount[row] === k ? this.bottomValue[last] : 0;
    for (let j = 0; j < count; j++) {
      const value = values[offset + j];
      if (value > hi) {
        this.insert(row, firstIndex + j, value, this.topIndex, this.topValue, this.topCount, 1);
        if (this.topCount[row] === k) hi = this.topValue[last];
      } else if (value < lo) {
        this.insert(row, firstIndex + j, value, this.bottomIndex, this.bottomValue, this.bottomCount, -1);
        if (this.bottomCount[row] === k) lo = this.bottomValue[last];
      }
    }
  }

  private insert(
    row: number,
    index: number,
    value: number,
    indices: Int32Array,
    values: Float64Array,
    counts: Int32Array,
    direction: 1 | -1,
  ): void {
    const base = row * this.k;
    let count = counts[row];
    if (count === this.k && direction * value <= direction * values[base + count - 1]) return;
    if (count < this.k) count++;
    // Insertion sort from the end: k is small (≤ 100), inserts are rare once the list fills.
    let pos = count - 1;
    while (pos > 0 && direction * values[base + pos - 1] < direction * value) {
      values[base + pos] = values[base + pos - 1];
      indices[base + pos] = indices[base + pos - 1];
      pos--;
    }
    values[base + pos] = value;
    indices[base + pos] = index;
    counts[row] = count;
  }

  /**
   * Takes in `part`'s lists, a tracker of the same rows and k that was offered other indices: each list becomes the k
   * first of both by (value, then lower index), the very list one tracker offered all of them in increasing index
   * order keeps (offerRow keeps the first offered of equal values, and a list holds its values in that order).
   */
  merge(part: TopKParts): void {
    if (part.topValue.length !== this.size)
      throw new Error(`internal error: merging ${part.topValue.length} entries into ${this.size}`);
    const k = this.k;
    const index = new Int32Array(k);
    const value = new Float64Array(k);
    const mergeList = (
      row: number,
      ownIndex: Int32Array,
      ownValue: Float64Array,
      ownCount: Int32Array,
      otherIndex: Int32Array,
      otherValue: Float64Array,
      otherCount: Int32Array,
      direction: 1 | -1,
    ) => {
      const base = row * k;
      const na = ownCount[row];
      const nb = otherCount[row];
      let a = 0;
      let b = 0;
      let m = 0;
      for (; m < k && (a < na || b < nb); m++) {
        const takeOwn =
          b >= nb ||
          (a < na &&
            (direction * ownValue[base + a] > direction * otherValue[base + b] ||
              (ownValue[base + a] === otherValue[base + b] && ownIndex[base + a] < otherIndex[base + b])));
        if (takeOwn) {
          index[m] = ownIndex[base + a];
          value[m] = ownValue[base + a++];
        } else {
          index[m] = otherIndex[base + b];
          value[m] = otherValue[base + b++];
        }
      }
      ownIndex.set(index.subarray(0, m), base);
      ownValue.set(value.subarray(0, m), base);
      ownCount[row] = m;
    };
    for (let row = 0; row < this.rows; row++) {
      mergeList(row, this.topIndex, this.topValue, this.topCount, part.topIndex, part.topValue, part.topCount, 1);
      mergeList(
        row,
        this.bottomIndex,
        this.bottomValue,
        this.bottomCount,
        part.bottomIndex,
        part.bottomValue,
        part.bottomCount,
        -1,
      );
    }
  }

  /** The recorded proponents (descending influence) and opponents (ascending) of one row. */
  row(row: number): { proponents: { index: number; value: number }[]; opponents: { index: number; value: number }[] } {
    const base = row * this.k;
    const proponents = [];
    for (let j = 0; j < this.topCount[row]; j++)
      proponents.push({ index: this.topIndex[base + j], value: this.topValue[base + j] });
    const opponents = [];
    for (let j = 0; j < this.bottomCount[row]; j++)
      opponents.push({ index: this.bottomIndex[base + j], value: this.bottomValue[base + j] });
    return { proponents, opponents };
  }
}
