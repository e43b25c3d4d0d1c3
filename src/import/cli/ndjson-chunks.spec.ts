import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { splitLines } from '../import.service';
import { LineChunk, readLineChunks } from './ndjson-chunks';

describe(readLineChunks.name, () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ndjson-chunks-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function chunks(content: string, maxBytes = 1024, maxLines = 1000): Promise<LineChunk[]> {
    const path = join(dir, 'input.jsonl');
    writeFileSync(path, content);
    const all: LineChunk[] = [];
    for await (const chunk of readLineChunks(path, { maxBytes, maxLines })) all.push(chunk);
    return all;
  }

  it('numbers lines as the server splits them, empty and CRLF lines included', async () => {
    const content = 'a\n\nb\r\nc';
    const [chunk] = await chunks(content);

    expect(chunk).toMatchObject({ firstLine: 1, lines: 4, bytes: Buffer.byteLength(content) + 1 });
    expect(splitLines(chunk.body)).toEqual(['a', '', 'b', 'c']);
  });

  it('does not count a final line break as a line', async () => {
    const all = await chunks('a\nb\n');
    expect(all.map((chunk) => chunk.lines)).toEqual([2]);
  });

  it('cuts at the line and byte limits, keeping line numbers and multi-byte text', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `${i} ${'é👍'.repeat(20)}`);
    const all = await chunks(`${lines.join('\n')}\n`, 250, 3);

    expect(all.map((chunk) => chunk.firstLine)).toEqual(
      all.map((_, i) => 1 + all.slice(0, i).reduce((sum, chunk) => sum + chunk.lines, 0)),
    );
    expect(all.every((chunk) => chunk.lines <= 3 && Buffer.byteLength(chunk.body) <= 250)).toBe(
      true,
    );
    expect(all.flatMap((chunk) => splitLines(chunk.body))).toEqual(lines);
  });

  it('sends a line longer than the byte limit alone', async () => {
    const all = await chunks(`short\n${'x'.repeat(100)}\nshort\n`, 50);
    expect(all.map((chunk) => [chunk.firstLine, chunk.lines])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });
});
