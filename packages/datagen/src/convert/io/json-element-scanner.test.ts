import { describe, expect, it } from 'vitest';
import { createRng } from '@vlm/core';

import { JsonElementScanner, type JsonElementEvent } from './json-element-scanner';

function scanInPieces(text: string, targets: string[][], sizes: number[]): JsonElementEvent[] {
  const scanner = new JsonElementScanner(targets, 'doc.json');
  const events: JsonElementEvent[] = [];
  let pos = 0;
  let k = 0;
  while (pos < text.length) {
    const size = sizes[k++ % sizes.length]!;
    events.push(...scanner.write(text.slice(pos, pos + size)));
    pos += size;
  }
  scanner.end();
  return events;
}

const doc = {
  info: { note: 'skip me [ { "questions": [1] } ]', nested: [[{ a: '\\"' }]] },
  data_subtype: 'train2014',
  questions: [
    { image_id: 1, question: 'Is it "red"?\n', question_id: 1000 },
    { image_id: 2, question: 'ünïcödé ✓ {braces} [brackets], commas', question_id: 2000 },
    'a string element',
    42,
    null,
  ],
  byId: { q1: { a: 1 }, 'q\\"2': [true, false] },
};

describe('JsonElementScanner', () => {
  it('yields the elements of the target containers whatever the chunk boundaries', () => {
    const text = JSON.stringify(doc, null, 2);
    const rng = createRng(3);
    for (let trial = 0; trial < 30; trial++) {
      const sizes = Array.from({ length: 7 }, () => 1 + rng.int(40));
      const events = scanInPieces(text, [['questions'], ['byId']], sizes);
      expect(events.filter((e) => e.target === 0).map((e) => e.value)).toEqual(doc.questions);
      const members = events.filter((e) => e.target === 1);
      expect(members.map((e) => [e.key, e.value])).toEqual(Object.entries(doc.byId));
      expect(events.every((e) => e.error === undefined)).toBe(true);
    }
  });

  it('survives escaped quotes and backslash runs cut at any chunk boundary', () => {
    const rng = createRng('escapes');
    const alphabet = ['\\', '"', 'a', '\\\\', '\\"', '{', ']', ',', ':', 'é', '\n'];
    const items = Array.from({ length: 40 }, () => ({ s: Array.from({ length: rng.int(12) }, () => rng.pick(alphabet)).join(''), [rng.pick(alphabet)]: [rng.pick(alphabet)] }));
    const text = JSON.stringify({ skip: items.slice(0, 5), rows: items });
    for (let trial = 0; trial < 20; trial++) {
      const sizes = Array.from({ length: 5 }, () => 1 + rng.int(6));
      expect(scanInPieces(text, [['rows']], sizes).map((e) => e.value)).toEqual(items);
    }
  });

  it('streams the members of a top-level object and the items of a top-level array with their lines', () => {
    const events = scanInPieces('{\n "a": 1,\n "b": {"c": [1, 2]}\n}', [[]], [5]);
    expect(events).toEqual([
      { target: 0, index: 0, key: 'a', line: 2, value: 1 },
      { target: 0, index: 1, key: 'b', line: 3, value: { c: [1, 2] } },
    ]);
    const items = scanInPieces('[\n{"x": 1},\n{"x": 2}\n]', [[]], [3]);
    expect(items.map((e) => [e.index, e.line, e.value])).toEqual([
      [0, 2, { x: 1 }],
      [1, 3, { x: 2 }],
    ]);
  });

  it('reports a malformed element and keeps decoding its neighbours', () => {
    const events = scanInPieces('[{"a": 1}, {"a": tru}, {"a": 3}]', [[]], [4]);
    expect(events.map((e) => e.value)).toEqual([{ a: 1 }, undefined, { a: 3 }]);
    expect(events[1]!.error).toMatch(/not valid JSON/);
    expect(events[1]!.index).toBe(1);
  });

  it('throws a located error on broken structure or a truncated file', () => {
    expect(() => scanInPieces('[{"a": 1]', [[]], [100])).toThrow(/Malformed JSON/);
    expect(() => scanInPieces('[{"a": 1},\n{"a"', [[]], [100])).toThrow(/unfinished/);
  });
});
