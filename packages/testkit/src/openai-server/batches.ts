import { chatCompletionBody, errorBody, lastUserText, normaliseReply } from './responses';
import type { ChatHandler, ServerChatRequest } from './types';

/** A stored file, as the Files API keeps it. */
export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
  createdAt: number;
}

interface BatchState {
  id: string;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  createdAt: number;
  polls: number;
  status: 'validating' | 'in_progress' | 'completed' | 'failed';
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
  errors: unknown;
}

/** In-memory Files + Batches API: a batch completes after a number of polls, running the chat handler per line. */
export class BatchStore {
  readonly files = new Map<string, StoredFile>();
  private readonly batches = new Map<string, BatchState>();
  private counter = 0;

  constructor(
    private readonly getHandler: () => ChatHandler,
    private readonly pollsUntilDone: number,
  ) {}

  addFile(filename: string, purpose: string, content: string): StoredFile {
    const file: StoredFile = { id: `file-${++this.counter}`, filename, purpose, content, createdAt: Math.floor(Date.now() / 1000) };
    this.files.set(file.id, file);
    return file;
  }

  fileObject(file: StoredFile): Record<string, unknown> {
    return {
      id: file.id,
      object: 'file',
      bytes: Buffer.byteLength(file.content),
      created_at: file.createdAt,
      filename: file.filename,
      purpose: file.purpose,
      status: 'processed',
    };
  }

  create(body: { input_file_id?: string; endpoint?: string; completion_window?: string; metadata?: Record<string, string> }):
    | { ok: true; batch: Record<string, unknown> }
    | { ok: false; status: number; message: string } {
    if (!body.input_file_id || !this.files.has(body.input_file_id)) {
      return { ok: false, status: 400, message: `unknown input_file_id ${String(body.input_file_id)}` };
    }
    const batch: BatchState = {
      id: `batch_${++this.counter}`,
      endpoint: body.endpoint ?? '/v1/chat/completions',
      inputFileId: body.input_file_id,
      completionWindow: body.completion_window ?? '24h',
      createdAt: Math.floor(Date.now() / 1000),
      polls: 0,
      status: 'validating',
      outputFileId: null,
      errorFileId: null,
      counts: { total: 0, completed: 0, failed: 0 },
      metadata: body.metadata ?? null,
      errors: null,
    };
    this.batches.set(batch.id, batch);
    return { ok: true, batch: this.batchObject(batch) };
  }

  /** Answers a poll; the poll that reaches `pollsUntilDone` runs the batch. */
  async retrieve(id: string): Promise<Record<string, unknown> | undefined> {
    const batch = this.batches.get(id);
    if (!batch) return undefined;
    if (batch.status === 'validating' || batch.status === 'in_progress') {
      batch.polls += 1;
      if (batch.polls >= this.pollsUntilDone) await this.run(batch);
      else batch.status = 'in_progress';
    }
    return this.batchObject(batch);
  }

  list(): Record<string, unknown>[] {
    return [...this.batches.values()].map((b) => this.batchObject(b));
  }

  private async run(batch: BatchState): Promise<void> {
    const input = this.files.get(batch.inputFileId)?.content ?? '';
    const outputs: string[] = [];
    const errors: string[] = [];
    const lines = input.split('\n').filter((l) => l.trim().length > 0);
    batch.counts.total = lines.length;
    let index = 0;
    for (const line of lines) {
      let parsed: { custom_id?: string; body?: ServerChatRequest };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        batch.status = 'failed';
        batch.errors = { object: 'list', data: [{ code: 'invalid_json_line', message: 'invalid JSON line', line: index + 1 }] };
        return;
      }
      const customId = parsed.custom_id ?? `line-${index}`;
      const request = parsed.body ?? ({ model: '', messages: [] } as ServerChatRequest);
      const reply = normaliseReply(await this.getHandler()(request, { index, attempt: 0, lastUserText: lastUserText(request), headers: {} }));
      const requestId = `req_${batch.id}_${index}`;
      if ('content' in reply) {
        outputs.push(
          JSON.stringify({
            id: `batch_req_${index}`,
            custom_id: customId,
            response: { status_code: 200, request_id: requestId, body: chatCompletionBody(request, reply, `chatcmpl-${batch.id}-${index}`) },
            error: null,
          }),
        );
        batch.counts.completed += 1;
      } else {
        const status = 'error' in reply ? reply.error.status : 'raw' in reply ? (reply.status ?? 500) : 504;
        const message = 'error' in reply ? reply.error.message : 'hang' in reply ? 'request timed out' : reply.raw;
        errors.push(
          JSON.stringify({
            id: `batch_req_${index}`,
            custom_id: customId,
            response: { status_code: status, request_id: requestId, body: errorBody(status, message) },
            error: null,
          }),
        );
        batch.counts.failed += 1;
      }
      index += 1;
    }
    if (outputs.length > 0) batch.outputFileId = this.addFile(`${batch.id}_output.jsonl`, 'batch_output', outputs.join('\n') + '\n').id;
    if (errors.length > 0) batch.errorFileId = this.addFile(`${batch.id}_error.jsonl`, 'batch_output', errors.join('\n') + '\n').id;
    batch.status = 'completed';
  }

  private batchObject(batch: BatchState): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      id: batch.id,
      object: 'batch',
      endpoint: batch.endpoint,
      errors: batch.errors,
      input_file_id: batch.inputFileId,
      completion_window: batch.completionWindow,
      status: batch.status,
      output_file_id: batch.outputFileId,
      error_file_id: batch.errorFileId,
      created_at: batch.createdAt,
      in_progress_at: batch.status === 'validating' ? null : batch.createdAt,
      expires_at: batch.createdAt + 86_400,
      finalizing_at: null,
      completed_at: batch.status === 'completed' ? now : null,
      failed_at: batch.status === 'failed' ? now : null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: batch.counts,
      metadata: batch.metadata,
    };
  }
}
