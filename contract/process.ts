/**
 * Facts about local processes that both sides need: chaser-local (whether the holder of its data directory's lock
 * still runs) and the package's commands (whether the holder of a stack lock, or a provider process a kill left,
 * still runs).
 */
import * as fs from "node:fs";

/**
 * Whether process `pid` runs: on Linux a process that has exited but was not reaped (a zombie, state `Z` in
 * /proc/PID/stat: processes re-parented in a container are not always reaped) does not; elsewhere, whether a
 * signal could be sent to it.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    // no /proc (not Linux), or no such process
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
