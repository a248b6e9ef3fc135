import { ensurePki, type LocalPki } from '../../hospital/pki/files.js';
import { GATEWAY_ID } from './side.js';

/**
 * `--tls` runs: the CA, hub certificate and the bench gateway's client certificate in `dir`. The
 * parent makes them before either side starts; the sides call this again and only read them.
 */
export function benchPki(dir: string): Promise<LocalPki> {
  return ensurePki(dir, ['127.0.0.1'], [GATEWAY_ID]);
}
