/** A dropped or picked file with its path inside the dropped folder (`images/a.png`), if any. */
export interface PickedFile {
  file: File;
  path: string;
}

async function entryFiles(entry: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: `${prefix}${entry.name}` });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns the folder in batches until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await entryFiles(child, `${prefix}${entry.name}/`, out);
  }
}

/** Every file of a drop, folders walked, each with its path relative to what was dropped. */
export async function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => e !== null && e !== undefined);
  if (entries.length === 0) return [...data.files].map((file) => ({ file, path: file.name }));
  const out: PickedFile[] = [];
  for (const entry of entries) await entryFiles(entry, '', out);
  return out;
}

/** Files picked with an `<input type=file>` (a `webkitdirectory` input gives their folder paths). */
export function pickedFiles(input: HTMLInputElement): PickedFile[] {
  return [...(input.files ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Makes an element accept drops (files or folders) and marks it while something is dragged over it. */
export function acceptDrops(el: HTMLElement, onFiles: (files: PickedFile[]) => void): void {
  el.addEventListener('dragover', (event) => {
    event.preventDefault();
    el.classList.add('dragging');
  });
  el.addEventListener('dragleave', () => el.classList.remove('dragging'));
  el.addEventListener('drop', (event) => {
    event.preventDefault();
    el.classList.remove('dragging');
    if (event.dataTransfer) void droppedFiles(event.dataTransfer).then(onFiles);
  });
}
