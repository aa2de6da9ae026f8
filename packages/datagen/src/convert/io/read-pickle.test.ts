import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { parsePickle, readPickle } from './read-pickle';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

// What Python pickled into mixed-p*.pkl (see the fixtures), as plain JavaScript values.
const expected = {
  text: 'héllo "q"\n',
  ints: [0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, 2 ** 70, -(2 ** 70)],
  floats: [1.5, -0.25, 1e300],
  none: null,
  flags: [true, false],
  nested: [{ a: [] }, [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]],
  '7': 'int key',
  shared: [['same'], ['same']],
};

describe('parsePickle', () => {
  it.each([0, 1, 2, 3, 4, 5])('decodes plain data written by Python with protocol %i', async (protocol) => {
    expect(await readPickle(fixture(`mixed-p${protocol}.pkl`))).toEqual(expected);
  });

  it("decodes Python 2 str opcodes (refer's refs(*).p were written by Python 2)", () => {
    // PROTO 2, EMPTY_LIST, BINPUT 0, MARK, SHORT_BINSTRING "abc", BINSTRING "de", APPENDS, STOP
    const p2 = Uint8Array.from([0x80, 2, 0x5d, 0x71, 0, 0x28, 0x55, 3, 97, 98, 99, 0x54, 2, 0, 0, 0, 100, 101, 0x65, 0x2e]);
    expect(parsePickle(p2)).toEqual(['abc', 'de']);
    const p0 = new TextEncoder().encode("(lp0\nS'it\\'s'\np1\na.");
    expect(parsePickle(p0)).toEqual(["it's"]);
  });

  it('refuses pickles that build Python objects, and truncated ones, with a hint', async () => {
    expect(() => parsePickle(new Uint8Array(0))).toThrow(/ends in the middle/);
    const object = await readFile(fixture('object.pkl'));
    expect(() => parsePickle(object, 'object.pkl')).toThrow(/builds a Python object \(collections\.OrderedDict\)/);
    const good = await readFile(fixture('mixed-p4.pkl'));
    expect(() => parsePickle(good.subarray(0, good.length - 10))).toThrow(/Cannot read this pickle/);
  });
});
