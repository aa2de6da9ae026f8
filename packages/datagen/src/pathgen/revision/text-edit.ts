import { VlmError } from '@vlm/core';

/** Replace `text.slice(start, end)` with `insert`. Every injected error and its inverse is one of these. */
export interface TextEdit {
  start: number;
  end: number;
  insert: string;
}

/** Applies an edit; throws when it does not fit the text. */
export function applyEdit(text: string, edit: TextEdit): string {
  if (edit.start < 0 || edit.end < edit.start || edit.end > text.length) {
    throw new VlmError('edit_out_of_range', `edit [${edit.start}, ${edit.end}) does not fit a text of ${text.length} characters`);
  }
  return text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
}

/** The edit that undoes `edit` on the text it produced. */
export function invertEdit(text: string, edit: TextEdit): TextEdit {
  return { start: edit.start, end: edit.start + edit.insert.length, insert: text.slice(edit.start, edit.end) };
}
