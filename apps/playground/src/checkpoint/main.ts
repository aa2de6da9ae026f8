import { mountChatPanel } from '../chat/chat-panel';
import { WorkerClient, errorText } from '../chat/worker-client';
import { acceptDrops, pickedFiles, type PickedFile } from '../shared/drop-zone';
import { byId, h } from '../shared/dom';
import { mountNav } from '../shared/nav';
import type { FromWorker } from '../train/protocol';

mountNav('checkpoint.html');

const folderInput = byId<HTMLInputElement>('checkpoint-folder');
const info = byId('checkpoint-info');
const errors = byId('errors');
const chatSection = byId('chat');
const backendLabel = byId('backend-label');
const WANTED = ['checkpoint.json', 'model.safetensors', 'tokenizer.json'];

const client = new WorkerClient((m: FromWorker) => {
  if (m.type === 'backend') backendLabel.textContent = `TF.js backend: ${m.label}`;
  else if (m.type === 'ready') {
    info.textContent = m.info ?? '';
    document.body.dataset.checkpoint = 'ready';
    chatSection.hidden = false;
    mountChatPanel(byId('chat-panel'), { imageSize: m.imageSize, maxObjects: m.maxObjects, ask: (scene, q) => client.ask(scene, q) });
  } else if (m.type === 'error') {
    document.body.dataset.checkpoint = 'error';
    errors.replaceChildren(h('pre', { class: 'error', role: 'alert', 'data-code': m.error.code ?? '' }, errorText(m.error)));
  }
});

async function open(files: PickedFile[]): Promise<void> {
  errors.replaceChildren();
  const byName = new Map(files.map((f) => [f.path.split('/').pop() as string, f.file]));
  const found = WANTED.filter((n) => byName.has(n));
  info.textContent = `reading ${found.join(', ')}…`;
  const buffers: Record<string, ArrayBuffer> = {};
  for (const name of found) buffers[name] = await byName.get(name)!.arrayBuffer();
  client.send({ type: 'open-checkpoint', backend: 'auto', files: buffers }, Object.values(buffers));
}

folderInput.addEventListener('change', () => void open(pickedFiles(folderInput)));
acceptDrops(byId('drop'), (files) => void open(files));
