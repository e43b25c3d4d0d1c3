import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_PROPERTIES } from './json-shape';

function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe(jsonShapeProblem.name, () => {
  it('accepts a message body', () => {
    expect(jsonShapeProblem({ room: '#ubuntu', user: 'alice', text: 'hi' })).toBeUndefined();
  });

  it('accepts the deepest allowed nesting and refuses one level more', () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH - 1))).toBeUndefined();
    expect(jsonShapeProblem(nested(400_000))).toMatch(/nested deeper/);
  });

  it('refuses an object with too many properties', () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_JSON_PROPERTIES + 1 }, (_, i) => [`k${i}`, i]),
    );
    expect(jsonShapeProblem({ room: 'r', extra: many })).toMatch(/more than 64 properties/);
  });
});
