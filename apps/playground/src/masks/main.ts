import { createHfTokenizer, listTemplates, loadLlama2Tokenizer, type Tokenizer } from '@vlm/core';
import { acceptDrops, pickedFiles, type PickedFile } from '../shared/drop-zone';
import { byId, h } from '../shared/dom';
import { errorBox } from '../shared/error-box';
import { mountNav } from '../shared/nav';
import { parseDatasetText, type ParsedDataset } from '../shared/parse-dataset-text';
import { inspectRecord } from './inspect-record';

mountNav('masks.html');

const SAMPLE = {
  id: 'shapes-0',
  image: 'scene-0.png',
  conversations: [
    { from: 'human', value: '<image>\nWhat colour is the circle?' },
    { from: 'gpt', value: 'The circle is red.' },
    { from: 'human', value: 'How many shapes are there?' },
    { from: 'gpt', value: 'There are three shapes.' },
  ],
};

const recordInput = byId<HTMLTextAreaElement>('record');
const recordFile = byId<HTMLInputElement>('record-file');
const rowSelect = byId<HTMLSelectElement>('row');
const templateSelect = byId<HTMLSelectElement>('template');
const tokenizerSelect = byId<HTMLSelectElement>('tokenizer');
const tokenizerFile = byId<HTMLInputElement>('tokenizer-file');
const imageTokens = byId<HTMLInputElement>('image-tokens');
const addSpecials = byId<HTMLInputElement>('add-specials');
const tokenizerStatus = byId('tokenizer-status');
const counts = byId('counts');
const errors = byId('errors');
const mask = byId('mask');

let fileName: string | undefined;
let droppedTokenizer: Tokenizer | undefined;
const llama2 = loadLlama2Tokenizer();

for (const name of listTemplates()) templateSelect.append(h('option', { value: name, selected: name === 'vicuna_v1' }, name));
recordInput.value = JSON.stringify(SAMPLE, null, 2);

async function currentTokenizer(): Promise<Tokenizer | undefined> {
  if (tokenizerSelect.value === 'file') return droppedTokenizer;
  return llama2;
}

function fillRows(dataset: ParsedDataset): void {
  const keep = rowSelect.value;
  rowSelect.replaceChildren(
    ...dataset.rows.map((r) => {
      const id = typeof r.value === 'object' && r.value !== null ? (r.value as { id?: unknown }).id : undefined;
      return h('option', { value: String(r.row) }, `${r.row}${id !== undefined ? ` (${String(id)})` : r.error ? ' (not JSON)' : ''}`);
    }),
  );
  if ([...rowSelect.options].some((o) => o.value === keep)) rowSelect.value = keep;
}

let generation = 0;
async function update(): Promise<void> {
  const mine = ++generation;
  errors.replaceChildren();
  try {
    const dataset = parseDatasetText(recordInput.value, fileName);
    fillRows(dataset);
    const parsed = dataset.rows[Number(rowSelect.value) || 0]!;
    if (parsed.error) throw parsed.error;
    const tokenizer = await currentTokenizer();
    if (mine !== generation) return;
    if (!tokenizer) throw new Error('Drop a tokenizer.json first, or pick the bundled LLaMA-2 tokenizer.');
    const result = inspectRecord(parsed.value, parsed.row, tokenizer, {
      template: templateSelect.value,
      imageTokens: Math.max(1, Math.min(4096, Number(imageTokens.value) || 1)),
      addMissingSpecials: addSpecials.checked,
      file: fileName,
    });
    tokenizerStatus.textContent = `${tokenizer.name}, ${tokenizer.vocabSize} ids${result.addedSpecials.length ? `; added ${result.addedSpecials.join(' ')}` : ''}`;
    counts.replaceChildren(
      h('span', { 'data-count': 'trained' }, `${result.counts.trained}`),
      ' trained / ',
      h('span', { 'data-count': 'total' }, `${result.counts.total}`),
      ' total tokens · ',
      h('span', { 'data-count': 'image' }, `${result.counts.imagePositions}`),
      ' image positions',
    );
    mask.replaceChildren(
      ...result.cells.map((c) =>
        h(
          'span',
          {
            class: `tok ${c.kind === 'text' ? (c.trained ? 'trained' : '') : c.kind}${c.trained && c.kind === 'special' ? ' trained' : ''}`,
            'data-id': c.id,
            title: c.kind === 'image' ? `id ${c.id} × ${c.positions} positions` : `id ${c.id}${c.trained ? ' · trained' : ' · label -100'}`,
          },
          c.text.replaceAll('\n', '↵\n'),
        ),
      ),
    );
  } catch (error) {
    if (mine !== generation) return;
    counts.replaceChildren();
    mask.replaceChildren();
    errors.replaceChildren(errorBox(error));
  }
}

async function loadRecordFile(file: PickedFile): Promise<void> {
  fileName = file.path;
  recordInput.value = await file.file.text();
  rowSelect.value = '0';
  void update();
}

async function loadTokenizerFile(file: File): Promise<void> {
  try {
    droppedTokenizer = createHfTokenizer(JSON.parse(await file.text()), { name: `hf:${file.name}` });
    tokenizerSelect.value = 'file';
  } catch (error) {
    droppedTokenizer = undefined;
    errors.replaceChildren(errorBox(error));
    return;
  }
  void update();
}

let timer: ReturnType<typeof setTimeout> | undefined;
recordInput.addEventListener('input', () => {
  fileName = undefined;
  clearTimeout(timer);
  timer = setTimeout(() => void update(), 120);
});
for (const el of [rowSelect, templateSelect, tokenizerSelect, imageTokens, addSpecials]) el.addEventListener('change', () => void update());
recordFile.addEventListener('change', () => {
  const [first] = pickedFiles(recordFile);
  if (first) void loadRecordFile(first);
});
tokenizerFile.addEventListener('change', () => {
  const file = tokenizerFile.files?.[0];
  if (file) void loadTokenizerFile(file);
});
acceptDrops(recordInput, (files) => {
  const tokenizer = files.find((f) => f.path.endsWith('tokenizer.json'));
  const data = files.find((f) => f !== tokenizer);
  if (tokenizer) void loadTokenizerFile(tokenizer.file);
  if (data) void loadRecordFile(data);
});
void update();
