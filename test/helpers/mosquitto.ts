import { spawnSync } from 'node:child_process';

/** Fails with how to install it when the mosquitto binary is missing (never a silent skip). */
export function requireMosquitto(): void {
  const r = spawnSync('mosquitto', ['-h'], { stdio: 'ignore' });
  if (r.error) throw new Error('mosquitto not found: run `apt-get install -y mosquitto` (or `npm run test:setup` as root)');
}
