import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { JsonlAppender, readJsonl } from './jsonl-appender';
import { scanJsonl } from './scan-jsonl';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'jsonl-')), 'out.jsonl');

describe('JsonlAppender', () => {
  it('appends in order with byte offsets that point at each line', async () => {
    const path = tempFile();
    const appender = JsonlAppender.open(path);
    const placed = await Promise.all([{ a: 1 }, { b: 'é' }, { c: [3] }].map((v) => appender.append(v)));
    await appender.close();
    const text = readFileSync(path);
    expect(placed.map((p) => JSON.parse(text.subarray(p.offset, p.offset + p.length).toString()) as unknown)).toEqual([{ a: 1 }, { b: 'é' }, { c: [3] }]);
    expect(readJsonl(path)).toEqual([{ a: 1 }, { b: 'é' }, { c: [3] }]);
  });

  it('cuts a torn last line (a crash mid-write) before appending again', async () => {
    const path = tempFile();
    writeFileSync(path, '{"id":1}\n{"id":2}\n{"id":3, "tru');
    expect(readJsonl(path)).toEqual([{ id: 1 }, { id: 2 }]);
    const seen: unknown[] = [];
    const appender = JsonlAppender.open(path, { onExisting: (l) => seen.push(l.value) });
    expect(appender.scan.tornBytes).toBe(13);
    expect(seen).toEqual([{ id: 1 }, { id: 2 }]);
    await appender.append({ id: 3 });
    await appender.close();
    expect(readFileSync(path, 'utf8')).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
  });

  it('reports complete but invalid rows and reads files larger than one chunk', () => {
    const path = tempFile();
    const big = 'x'.repeat(700_000);
    appendFileSync(path, `${JSON.stringify({ big })}\nnot json\n${JSON.stringify({ big, n: 2 })}\n`);
    const values: unknown[] = [];
    const scan = scanJsonl(path, (l) => values.push(l.value));
    expect(values).toHaveLength(2);
    expect(scan.badRows).toEqual([1]);
    expect(scan.tornBytes).toBe(0);
  });
});
