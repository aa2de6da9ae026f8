import { acceptDrops, pickedFiles, type PickedFile } from '../shared/drop-zone';
import { byId, h } from '../shared/dom';
import { errorBox } from '../shared/error-box';
import { mountNav } from '../shared/nav';
import { imageFolderOf, validateFiles, type FileValidation, type ImageFolder } from './validate-files';

mountNav('validate.html');

const datasetInput = byId<HTMLInputElement>('dataset-file');
const folderInput = byId<HTMLInputElement>('image-folder');
const picked = byId('picked');
const summary = byId('summary');
const errors = byId('errors');
const table = byId<HTMLTableElement>('issues');

let dataset: PickedFile | undefined;
let folder: ImageFolder | undefined;
let download: string | undefined;

const DATASET = /\.(jsonl?|ndjson)$/i;

async function decodeWithBrowser(blob: Blob): Promise<boolean> {
  try {
    const bitmap = await createImageBitmap(blob);
    bitmap.close();
    return true;
  } catch {
    return false;
  }
}

function showSummary(v: FileValidation): void {
  if (download) URL.revokeObjectURL(download);
  download = URL.createObjectURL(new Blob([v.cleanText], { type: v.format === 'jsonl' ? 'application/jsonl' : 'application/json' }));
  const bad = v.records - v.validRecords;
  const cleanName = v.file.replace(/(\.[^.]+)?$/, (ext) => `.clean${ext || '.json'}`);
  summary.replaceChildren(
    h('h2', {}, bad === 0 ? 'Every row is valid' : `${bad} bad row${bad === 1 ? '' : 's'}`),
    h(
      'p',
      {},
      h('span', { 'data-summary': 'records' }, String(v.records)),
      ' records, ',
      h('span', { 'data-summary': 'valid' }, String(v.validRecords)),
      ' valid, ',
      h('span', { 'data-summary': 'bad' }, String(bad)),
      ' bad',
    ),
    h(
      'p',
      { class: 'muted' },
      v.imagesChecked ? `${v.imagesDecoded} image file(s) decoded with createImageBitmap.` : 'Image files not checked: drop the image folder too.',
    ),
    h('ul', {}, ...Object.entries(v.counts).map(([code, n]) => h('li', {}, h('code', {}, code), ` × ${n}`))),
    h('a', { id: 'download-clean', class: 'button', href: download, download: cleanName }, `Download the ${v.validRecords} clean row${v.validRecords === 1 ? '' : 's'} (${cleanName})`),
  );
  const body = table.tBodies[0]!;
  body.replaceChildren(
    ...v.issues.map((i) =>
      h('tr', { 'data-row': i.row, 'data-code': i.code }, h('td', {}, String(i.row)), h('td', {}, i.id ?? ''), h('td', {}, h('code', {}, i.field)), h('td', {}, i.code), h('td', {}, i.reason)),
    ),
  );
  table.hidden = v.issues.length === 0;
}

async function run(): Promise<void> {
  errors.replaceChildren();
  picked.textContent = [dataset ? `dataset: ${dataset.path}` : 'no dataset yet', folder ? `images: ${folder.files.size} file(s) in ${folder.root || '(top level)'}` : 'no image folder'].join(' · ');
  if (!dataset) return;
  summary.replaceChildren(h('p', {}, 'Checking…'));
  try {
    showSummary(await validateFiles(await dataset.file.text(), dataset.path, folder, decodeWithBrowser));
  } catch (error) {
    summary.replaceChildren();
    table.hidden = true;
    errors.replaceChildren(errorBox(error));
  }
}

function take(files: PickedFile[]): void {
  const data = files.find((f) => !f.path.includes('/') && DATASET.test(f.path)) ?? files.find((f) => DATASET.test(f.path));
  const images = files.filter((f) => f !== data);
  if (data) dataset = data;
  if (images.length > 0) folder = imageFolderOf(images);
  void run();
}

datasetInput.addEventListener('change', () => take(pickedFiles(datasetInput)));
folderInput.addEventListener('change', () => {
  const files = pickedFiles(folderInput);
  if (files.length > 0) folder = imageFolderOf(files);
  void run();
});
acceptDrops(byId('drop'), take);
void run();
