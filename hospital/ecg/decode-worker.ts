// The decode thread: runs decode-task.ts for the pool (decode-pool.ts) and answers with the
// result, sample buffers transferred rather than copied. An error keeps its stable code.
import { serveTasks } from '../../protocols/worker-pool.js';
import { type DecodeResult, type DecodeTask, runDecodeTask } from './decode-task.js';
import { EcgErrorCode } from './errors.js';

serveTasks<DecodeTask, DecodeResult>(runDecodeTask,
  (r) => (r.op === 'samples' ? r.page.leads.map((l) => l.counts.buffer as ArrayBuffer) : []), EcgErrorCode.DECODE_FAILED);
