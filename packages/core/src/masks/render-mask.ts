import { IGNORE_INDEX } from '../constants';
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { TokenizedConversation } from './tokenize-conversation';

/** `ansi`: colours for a terminal; `html`: a `<pre>` block; `text`: trained runs wrapped in `«...»`. */
export type MaskFormat = 'ansi' | 'html' | 'text';

/** Options of `renderMask`. */
export interface RenderMaskOptions {
  format?: MaskFormat;
  /** Needed to name special tokens (BOS) that have no characters in the text. */
  tokenizer?: Tokenizer;
  /** Show token boundaries (alternating shades in ansi/html, `|` in text). Default true for ansi/html. */
  boundaries?: boolean;
}

interface Cell {
  text: string;
  trained: boolean;
  kind: 'text' | 'image' | 'special';
  id: number;
}

function cellsOf(seq: TokenizedConversation, tokenizer?: Tokenizer): Cell[] {
  const cells: Cell[] = [];
  const n = seq.inputIds.length;
  const imageStarts = new Set(seq.imagePositions);
  let shownUpTo = 0;
  for (let i = 0; i < n; i++) {
    const s = seq.offsets[2 * i]!;
    const e = seq.offsets[2 * i + 1]!;
    const id = seq.inputIds[i]!;
    const trained = seq.labels[i] !== IGNORE_INDEX;
    if (imageStarts.has(i)) {
      let width = 1;
      while (i + width < n && seq.offsets[2 * (i + width)] === s && seq.offsets[2 * (i + width) + 1] === s && seq.inputIds[i + width] === id && !imageStarts.has(i + width)) width++;
      cells.push({ text: width > 1 ? `<image×${width}>` : `<image>`, trained: false, kind: 'image', id });
      i += width - 1;
    } else if (e === s) {
      const name = tokenizer?.idToToken(id);
      if (name !== undefined && tokenizer?.specialTokens.has(name)) cells.push({ text: name, trained, kind: 'special', id });
      else if (e === s) cells.push({ text: '', trained, kind: 'text', id });
    } else {
      // Byte-fallback tokens of one character share its range: the character is shown once, by the first.
      const from = Math.max(s, shownUpTo);
      if (from >= e && cells.length > 0) continue;
      cells.push({ text: seq.text.slice(from, e), trained, kind: tokenizer?.specialTokens.has(seq.text.slice(s, e)) ? 'special' : 'text', id });
      shownUpTo = e;
    }
  }
  return cells;
}

const visible = (t: string) => t.replaceAll('\n', '↵\n');

function escapeHtml(t: string): string {
  return t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/**
 * Shows which tokens of a tokenized conversation are trained, at a glance: trained tokens on green
 * (ansi/html) or inside `«»` (text), untrained ones dimmed, images as one `<image×N>` block.
 */
export function renderMask(seq: TokenizedConversation, options: RenderMaskOptions = {}): string {
  const format = options.format ?? 'ansi';
  const boundaries = options.boundaries ?? format !== 'text';
  const cells = cellsOf(seq, options.tokenizer);
  if (format === 'text') {
    let out = '';
    let inTrained = false;
    cells.forEach((c, k) => {
      if (c.trained !== inTrained) {
        out += c.trained ? '«' : '»';
        inTrained = c.trained;
      } else if (boundaries && k > 0) out += '|';
      out += c.text;
    });
    return inTrained ? `${out}»` : out;
  }
  if (format === 'ansi') {
    const ESC = '\u001b[';
    return (
      cells
        .map((c, k) => {
          const t = visible(c.text);
          if (c.kind === 'image') return `${ESC}35;1m${t}${ESC}0m`;
          if (c.trained) return `${ESC}30;${boundaries && k % 2 ? '102' : '42'}m${t}${ESC}0m`;
          return `${ESC}${c.kind === 'special' ? '33' : boundaries && k % 2 ? '90' : '37'}m${t}${ESC}0m`;
        })
        .join('') + `${ESC}0m`
    );
  }
  const body = cells
    .map((c, k) => {
      const style = c.kind === 'image' ? 'color:#a0a;font-weight:bold' : c.trained ? `background:${boundaries && k % 2 ? '#b6f0b6' : '#8fd98f'}` : `color:${c.kind === 'special' ? '#b60' : boundaries && k % 2 ? '#888' : '#555'}`;
      return `<span style="${style}" title="id ${c.id}${c.trained ? ', trained' : ''}">${escapeHtml(visible(c.text))}</span>`;
    })
    .join('');
  return `<pre class="vlm-mask" style="white-space:pre-wrap;font-family:monospace">${body}</pre>`;
}
