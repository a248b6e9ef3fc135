import Database from 'better-sqlite3';

/**
 * The WAL of `file` as another connection sees it once a checkpoint thread has had its chance:
 * polled every 100 ms (at most 3 s) until every WAL frame is backfilled. `log` is the WAL's size
 * in pages; `checkpointed` how many of them are already in the database (a PASSIVE checkpoint
 * with nothing left to do returns both).
 */
export async function walAfterCheckpoints(file: string): Promise<{ log: number; checkpointed: number }> {
  const probe = new Database(file);
  try {
    const state = async (): Promise<{ log: number; checkpointed: number }> => {
      await new Promise((r) => setTimeout(r, 100));
      return probe.prepare('PRAGMA wal_checkpoint(NOOP)').get() as { log: number; checkpointed: number };
    };
    let s = await state();
    for (let i = 0; i < 30 && s.checkpointed < s.log; i++) s = await state();
    return s;
  } finally {
    probe.close();
  }
}
