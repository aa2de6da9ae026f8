import {
  DatasetSchemaError,
  IGNORE_INDEX,
  IMAGE_TOKEN_INDEX,
  formatConversation,
  getTemplate,
  llavaRecordSchema,
  recordSchemaIssues,
  tokenizeConversation,
  type Tokenizer,
  type TokenizedConversation,
} from '@vlm/core';

/** What the masks page shows for one record. */
export interface InspectOptions {
  template: string;
  /** Positions each image expands to (1 = one `-200` placeholder, 576 = LLaVA-1.5 at 336 px). */
  imageTokens: number;
  /** Append the template's special strings the tokenizer lacks as new ids (an embedding resize, upstream). */
  addMissingSpecials: boolean;
  file?: string;
}

/** One token as drawn: its text, id and whether the loss sees it. */
export interface MaskCell {
  text: string;
  id: number;
  trained: boolean;
  kind: 'text' | 'image' | 'special';
  /** Number of positions the cell stands for (an image expanded to N positions is one cell). */
  positions: number;
}

export interface Inspection {
  seq: TokenizedConversation;
  cells: MaskCell[];
  counts: { trained: number; total: number; imagePositions: number };
  /** Special strings added to the tokenizer for this template. */
  addedSpecials: string[];
}

function cellsOf(seq: TokenizedConversation, tokenizer: Tokenizer): MaskCell[] {
  const cells: MaskCell[] = [];
  const n = seq.inputIds.length;
  const imageStarts = new Set(seq.imagePositions);
  for (let i = 0; i < n; i++) {
    const s = seq.offsets[2 * i]!;
    const e = seq.offsets[2 * i + 1]!;
    const id = seq.inputIds[i]!;
    const trained = seq.labels[i] !== IGNORE_INDEX;
    if (imageStarts.has(i)) {
      let width = 1;
      while (i + width < n && seq.inputIds[i + width] === id && !imageStarts.has(i + width)) width++;
      cells.push({ text: width > 1 ? `<image×${width}>` : '<image>', id, trained: false, kind: 'image', positions: width });
      i += width - 1;
      continue;
    }
    const text = e > s ? seq.text.slice(s, e) : (tokenizer.idToToken(id) ?? '');
    cells.push({ text, id, trained, kind: tokenizer.specialTokens.has(text) ? 'special' : 'text', positions: 1 });
  }
  return cells;
}

/**
 * Formats one pasted record with a template, tokenizes it and returns the cells to draw. Throws the
 * toolkit's typed errors: `DatasetSchemaError` with every bad field of the row, or whatever
 * `formatConversation` / `tokenizeConversation` raise (roles, `<image>` count, special tokens).
 */
export function inspectRecord(value: unknown, row: number, tokenizer: Tokenizer, options: InspectOptions): Inspection {
  const issues = recordSchemaIssues(value, row);
  if (issues.length > 0) throw new DatasetSchemaError(issues.map((i) => ({ ...i, file: options.file })), options.file);
  const record = llavaRecordSchema.parse(value);
  const template = getTemplate(options.template);
  const addedSpecials = options.addMissingSpecials ? template.specialTokens.filter((t) => !tokenizer.specialTokens.has(t)) : [];
  const tok = addedSpecials.length > 0 ? tokenizer.withSpecialTokens(addedSpecials) : tokenizer;
  const formatted = formatConversation(record, { template, row });
  const seq = tokenizeConversation(formatted, tok, { imageTokens: options.imageTokens });
  let imagePositions = 0;
  for (const id of seq.inputIds) if (id === IMAGE_TOKEN_INDEX) imagePositions++;
  return { seq, cells: cellsOf(seq, tok), counts: { trained: seq.trainedTokens, total: seq.inputIds.length, imagePositions }, addedSpecials };
}
