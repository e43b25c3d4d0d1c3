import { parseMessageId } from '../common/message-id';

/**
 * A window of message ids with open or closed ends, and a string form of ids that sorts like
 * `compareMessageIds`, so that hot paths compare plain strings instead of parsing ids.
 */
export interface IdBound {
  readonly id: string;
  readonly inclusive: boolean;
}

export interface IdWindow {
  readonly lower?: IdBound;
  readonly upper?: IdBound;
}

export type Order = 'desc' | 'asc';

/** `<ms, 15 digits>-<sequence, 20 digits>`: string order equals id order. */
export function idSortKey(id: string): string {
  const dash = id.indexOf('-');
  return `${id.slice(0, dash).padStart(15, '0')}-${id.slice(dash + 1).padStart(20, '0')}`;
}

/** The id a message accepted at `ms` would have at the latest; `${ms}-0` is the earliest. */
export function lastIdOfMillisecond(ms: number): string {
  return `${ms}-18446744073709551615`;
}

/** The tighter of two lower bounds. */
export function maxLower(a?: IdBound, b?: IdBound): IdBound | undefined {
  if (!a || !b) return a ?? b;
  const order = compareKeys(idSortKey(a.id), idSortKey(b.id));
  if (order !== 0) return order > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The tighter of two upper bounds. */
export function minUpper(a?: IdBound, b?: IdBound): IdBound | undefined {
  if (!a || !b) return a ?? b;
  const order = compareKeys(idSortKey(a.id), idSortKey(b.id));
  if (order !== 0) return order < 0 ? a : b;
  return a.inclusive ? b : a;
}

const FIRST_KEY = idSortKey('0-0');
const LAST_KEY = idSortKey('999999999999999-18446744073709551615');

/** Whether no id can lie in the window; Valkey refuses the exclusive ends of the id space. */
export function isEmptyWindow({ lower, upper }: IdWindow): boolean {
  if (upper && !upper.inclusive && idSortKey(upper.id) === FIRST_KEY) return true;
  if (lower && !lower.inclusive && idSortKey(lower.id) === LAST_KEY) return true;
  if (!lower || !upper) return false;
  const order = compareKeys(idSortKey(lower.id), idSortKey(upper.id));
  return order > 0 || (order === 0 && !(lower.inclusive && upper.inclusive));
}

/** Whether an id (given by its sort key) lies inside the window. */
export function windowContains(window: IdWindow, key: string): boolean {
  const { lower, upper } = window;
  if (lower) {
    const order = compareKeys(key, idSortKey(lower.id));
    if (order < 0 || (order === 0 && !lower.inclusive)) return false;
  }
  if (upper) {
    const order = compareKeys(key, idSortKey(upper.id));
    if (order > 0 || (order === 0 && !upper.inclusive)) return false;
  }
  return true;
}

/** The range arguments of XRANGE (`start`, `end`) for a window; XREVRANGE takes them swapped. */
export function streamRange({ lower, upper }: IdWindow): { start: string; end: string } {
  return {
    start: lower ? `${lower.inclusive ? '' : '('}${lower.id}` : '-',
    end: upper ? `${upper.inclusive ? '' : '('}${upper.id}` : '+',
  };
}

/** Milliseconds of the bounds, the coarse time range every id in the window falls into. */
export function windowMillis({ lower, upper }: IdWindow): { min: number; max: number } {
  return {
    min: lower ? (parseMessageId(lower.id)?.ms ?? 0) : 0,
    max: upper
      ? (parseMessageId(upper.id)?.ms ?? Number.MAX_SAFE_INTEGER)
      : Number.MAX_SAFE_INTEGER,
  };
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
