// The decode thread: runs decode-task.ts for the pool (decode-pool.ts) and answers with the
// result, sample buffers transferred rather than copied. An error keeps its stable code.
import { parentPort } from 'node:worker_threads';
import { isTelemedError } from '../../protocols/index.js';
import { type DecodeTask, runDecodeTask } from './decode-task.js';

interface Request { readonly id: number; readonly task: DecodeTask }

parentPort?.on('message', (m: Request) => {
  try {
    const result = runDecodeTask(m.task);
    const transfer = result.op === 'samples' ? result.page.leads.map((l) => l.counts.buffer as ArrayBuffer) : [];
    parentPort?.postMessage({ id: m.id, ok: true, result }, transfer);
  } catch (err) {
    const code = isTelemedError(err) ? err.code : 'TM_ERR_ECG_DECODE_FAILED';
    parentPort?.postMessage({ id: m.id, ok: false, code, message: err instanceof Error ? err.message : String(err) });
  }
});
