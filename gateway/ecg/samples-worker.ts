// The samples thread of samples-pool.ts: one page per task, sample buffers transferred.
import { pageBuffers } from '../../protocols/ecg/samples-page.js';
import { serveTasks } from '../../protocols/worker-pool.js';
import { GatewayEcgErrorCode } from './errors.js';
import { runSamplesTask } from './samples-pool.js';

serveTasks(runSamplesTask, pageBuffers, GatewayEcgErrorCode.DECODE_FAILED);
