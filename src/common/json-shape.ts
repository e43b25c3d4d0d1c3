/**
 * Bounds on the shape of a JSON value a client sends. Validation (class-transformer and
 * class-validator) costs time that grows faster than the number of properties and recurses
 * once per level of nesting: without these bounds a body well under the size limit can hold
 * the event loop for seconds or overflow the stack.
 */
export const MAX_JSON_DEPTH = 16;
export const MAX_JSON_PROPERTIES = 64;

/** Says what is wrong with the shape of `value`, or undefined when it is within bounds. */
export function jsonShapeProblem(value: unknown): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`;

    const children = Array.isArray(current) ? current : Object.values(current);
    if (!Array.isArray(current) && children.length > MAX_JSON_PROPERTIES) {
      return `a JSON object has more than ${MAX_JSON_PROPERTIES} properties`;
    }
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}
