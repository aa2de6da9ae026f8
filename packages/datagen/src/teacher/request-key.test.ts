import { describe, expect, it } from 'vitest';

import { canonicalJson, requestKey } from './request-key';

describe('requestKey', () => {
  it('serialises with sorted keys at every level, undefined members dropped as JSON does', () => {
    expect(canonicalJson({ b: 1, a: [{ z: 'x', y: undefined }, undefined, null], c: 'é"\n' })).toBe('{"a":[{"z":"x"},null,null],"b":1,"c":"é\\"\\n"}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('is the same for the same content in any key order, and stable across versions', () => {
    const messages = [{ role: 'user', content: 'hello' }];
    expect(requestKey('m', messages, { temperature: 0, max_tokens: 5 })).toBe(requestKey('m', [{ content: 'hello', role: 'user' }], { max_tokens: 5, temperature: 0 }));
    // Cache files written by earlier versions must keep matching: a fixed address for a fixed request.
    expect(requestKey('gpt-4o-mini', messages, { temperature: 0.7 })).toBe('f2e99f4cecca5b9e2d93a9b386221e1835a469a8638e3865c7221df1b7cd6431');
  });
});
