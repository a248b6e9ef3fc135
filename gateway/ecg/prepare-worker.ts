// The thread of prepare-pool.ts: analyses and encodes one record per task (the result is copied back).
import { serveTasks } from '../../protocols/worker-pool.js';
import { GatewayEcgErrorCode } from './errors.js';
import { prepareEcgRecord } from './prepare.js';

serveTasks(prepareEcgRecord, () => [], GatewayEcgErrorCode.PREPARE_FAILED);
