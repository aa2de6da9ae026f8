import { describe, expect, it } from 'vitest';
import { VlmError } from '@vlm/core';
import { formatCoordinate, formatRounded } from './format-coordinate';
import { normaliseBox } from './normalise-box';
import { renderSymbolicImage } from './symbolic-image';

describe('formatCoordinate', () => {
  it('follows Python round(x, 3) printing', () => {
    expect(formatCoordinate(0.63)).toBe('0.63');
    expect(formatCoordinate(1)).toBe('1.0');
    expect(formatCoordinate(0)).toBe('0.0');
    expect(formatCoordinate(0.5664)).toBe('0.566');
    expect(formatCoordinate(0.9566)).toBe('0.957');
    expect(formatCoordinate(0.1)).toBe('0.1');
    expect(formatCoordinate(0.99951)).toBe('1.0');
    // exact binary ties round half to even, like Python
    expect(formatCoordinate(0.0625)).toBe('0.062');
    expect(formatCoordinate(0.1875)).toBe('0.188');
    // 0.0005 is stored just above the tie, so Python rounds it up (a product test would call it a tie)
    expect(formatCoordinate(0.0005)).toBe('0.001');
  });

  it('formatRounded follows Python round(x, 2) printing for LLaVA-1.5 region boxes (values checked against CPython)', () => {
    const cases: [number, string][] = [
      [0.2, '0.2'],
      [531 / 640, '0.83'],
      [1, '1.0'],
      [0, '0.0'],
      [0.999, '1.0'],
      [0.125, '0.12'],
      [0.375, '0.38'],
      [0.005, '0.01'],
      [0.015, '0.01'],
      [2.675, '2.67'],
      [0.135, '0.14'],
      [0.285, '0.28'],
    ];
    for (const [value, text] of cases) expect([value, formatRounded(value, 2)]).toEqual([value, text]);
    // formatCoordinate stays unary, so passing it to map() (which adds an index) keeps three decimals
    expect([0.5664, 0.5664].map(formatCoordinate)).toEqual(['0.566', '0.566']);
  });
});

describe('normaliseBox', () => {
  it('normalises pixel and COCO boxes to the same values', () => {
    const size = { width: 640, height: 480 };
    expect(normaliseBox([320, 240, 640, 480], 'pixel', size)).toEqual([0.5, 0.5, 1, 1]);
    expect(normaliseBox([320, 240, 320, 240], 'coco', size)).toEqual([0.5, 0.5, 1, 1]);
    expect(normaliseBox([0.1, 0.2, 0.3, 0.4], 'normalised')).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it.each([
    [[10, 10, 700, 20], 'pixel', 'box_outside_image'],
    [[600, 10, 50, 20], 'coco', 'box_outside_image'],
    [[-1, 0, 10, 10], 'pixel', 'box_outside_image'],
    [[50, 10, 40, 20], 'pixel', 'box_negative_size'],
    [[10, 10, -5, 20], 'coco', 'box_negative_size'],
    [[0.2, 0.1, 1.2, 0.5], 'normalised', 'box_outside_image'],
    [[0.2, 0.1, 0.5], 'normalised', 'box_invalid'],
    [[0.2, Number.NaN, 0.5, 0.6], 'normalised', 'box_invalid'],
  ] as const)('rejects %j (%s) with %s', (box, format, code) => {
    try {
      normaliseBox(box, format, { width: 640, height: 480 }, { index: 2, category: 'dog' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VlmError);
      expect((error as VlmError).code).toBe(code);
      expect((error as VlmError).location.field).toBe('objects[2].box');
    }
  });

  it('needs the image size for pixel boxes', () => {
    expect(() => normaliseBox([1, 2, 3, 4], 'pixel')).toThrow(/image size/);
  });
});

describe('renderSymbolicImage', () => {
  const captions = ['A man rides a bicycle past a parked truck.', 'A cyclist on a city street.'];
  const expected =
    'A man rides a bicycle past a parked truck.\nA cyclist on a city street.\n\n' +
    'person: [0.566, 0.667, 0.63, 0.731]\ntruck: [0.957, 0.526, 1.0, 0.752]';

  it('renders COCO boxes like the reference example', () => {
    const text = renderSymbolicImage({
      captions,
      objects: [
        { category: 'person', box: [362.24, 320.16, 40.96, 30.72] },
        { category: 'truck', box: [612.48, 252.48, 27.52, 108.48] },
      ],
      boxFormat: 'coco',
      imageSize: { width: 640, height: 480 },
    });
    expect(text).toBe(expected);
  });

  it('renders pixel and normalised boxes identically', () => {
    const pixel = renderSymbolicImage({
      captions,
      objects: [
        { category: 'person', box: [362.24, 320.16, 403.2, 350.88] },
        { category: 'truck', box: [612.48, 252.48, 640, 360.96] },
      ],
      boxFormat: 'pixel',
      imageSize: { width: 640, height: 480 },
    });
    const normalised = renderSymbolicImage({
      captions,
      objects: [
        { category: 'person', box: [0.566, 0.667, 0.63, 0.731] },
        { category: 'truck', box: [0.957, 0.526, 1, 0.752] },
      ],
    });
    expect(pixel).toBe(expected);
    expect(normalised).toBe(expected);
  });

  it('omits boxes when asked or when there are none', () => {
    expect(renderSymbolicImage({ captions }, {})).toBe(captions.join('\n'));
    expect(renderSymbolicImage({ captions, objects: [{ category: 'cat', box: [0, 0, 1, 1] }] }, { includeBoxes: false })).toBe(captions.join('\n'));
  });

  it('rejects an image without captions', () => {
    expect(() => renderSymbolicImage({ captions: [] })).toThrow(VlmError);
  });
});
