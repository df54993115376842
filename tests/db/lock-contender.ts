// A process that tries to take a data-folder lock, for tests/db/data-folder-lock.test.ts:
// prints "GOT <enter ms> <leave ms>" after holding it for HOLD_MS, or "REFUSED".
import { DataFolderLockedError, lockDataFolder } from "../../src/db/data-folder-lock.ts";

const [folder, holdMs] = process.argv.slice(2) as [string, string];
try {
  const lock = lockDataFolder(folder, { heartbeatMs: 100, staleMs: 1_000 });
  const enter = Date.now();
  console.log(`HOLDING ${process.pid}`);
  await new Promise((done) => setTimeout(done, Number(holdMs)));
  const leave = Date.now();
  lock.release();
  console.log(`GOT ${enter} ${leave}`);
} catch (error) {
  if (!(error instanceof DataFolderLockedError)) throw error;
  console.log("REFUSED");
}
