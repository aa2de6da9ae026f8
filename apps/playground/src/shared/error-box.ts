import { VlmError, formatLocation, type DatasetIssue } from '@vlm/core';
import { h } from './dom';

/**
 * Shows an error the way the CLIs print it: code, message, where (row, field) and the hint. An error
 * listing several dataset issues (a `DatasetSchemaError`) shows each with its row and field.
 */
export function errorBox(error: unknown): HTMLElement {
  if (error instanceof VlmError) {
    const issues = (error as VlmError & { issues?: DatasetIssue[] }).issues;
    const where = formatLocation(error.location);
    return h(
      'div',
      { class: 'error', role: 'alert', 'data-code': error.code },
      h('div', {}, h('code', { class: 'code' }, error.code), ' ', issues ? error.message.split('\n')[0]! : error.message),
      issues
        ? h(
            'ul',
            { class: 'issues' },
            ...issues.map((i) => h('li', { 'data-row': i.row ?? '', 'data-field': i.field ?? '' }, `${formatLocation({ row: i.row, id: i.id, field: i.field ?? 'record' })}: ${i.reason}`)),
          )
        : undefined,
      where ? h('div', { class: 'where' }, where) : undefined,
      error.hint ? h('div', { class: 'hint' }, `hint: ${error.hint}`) : undefined,
    );
  }
  return h('div', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error));
}
