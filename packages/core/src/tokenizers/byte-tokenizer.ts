import { IMAGE_END_TOKEN, IMAGE_PATCH_TOKEN, IMAGE_START_TOKEN, IMAGE_TOKEN } from '../constants';
import { createSegmentTokenizer, type Tokenizer } from './tokenizer';

/** Special strings of the byte tokenizer, ids 0..9; bytes follow at `BYTE_OFFSET`. */
const BYTE_SPECIALS = ['<pad>', '<s>', '</s>', '<unk>', IMAGE_TOKEN, IMAGE_START_TOKEN, IMAGE_END_TOKEN, IMAGE_PATCH_TOKEN, '<|im_start|>', '<|im_end|>'];
const BYTE_OFFSET = 16;

/**
 * A byte-level tokenizer for tiny models: ids 0-15 are special strings (`<pad>`, `<s>`, `</s>`, `<unk>`,
 * `<image>`, `<im_start>`, `<im_end>`, `<im_patch>`, `<|im_start|>`, `<|im_end|>`, then reserved),
 * ids 16-271 are the UTF-8 bytes. 272 ids in all; no dummy prefix.
 */
export function createByteTokenizer(): Tokenizer {
  const utf8 = new TextEncoder();
  return createSegmentTokenizer(
    {
      name: 'bytes',
      vocabSize: BYTE_OFFSET + 256,
      prefixSpace: false,
      encodeText(text) {
        const bytes = utf8.encode(text);
        const ids = new Array<number>(bytes.length);
        for (let i = 0; i < bytes.length; i++) ids[i] = bytes[i]! + BYTE_OFFSET;
        return ids;
      },
      idToToken: (id) => (id >= BYTE_OFFSET && id < BYTE_OFFSET + 256 ? `<0x${(id - BYTE_OFFSET).toString(16).toUpperCase().padStart(2, '0')}>` : undefined),
      tokenToId(token) {
        const hex = /^<0x([0-9A-F]{2})>$/.exec(token);
        return hex ? parseInt(hex[1]!, 16) + BYTE_OFFSET : undefined;
      },
      tokenBytes: (id) => (id >= BYTE_OFFSET && id < BYTE_OFFSET + 256 ? Uint8Array.of(id - BYTE_OFFSET) : undefined),
    },
    {
      specials: new Map(BYTE_SPECIALS.map((s, i) => [s, i])),
      bosToken: '<s>',
      eosToken: '</s>',
      padToken: '<pad>',
      addBos: true,
    },
  );
}
