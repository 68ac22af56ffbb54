/**
 * The data directory's lock: one server per directory, also when two start at the same instant, and a killed
 * server's lock is free at once.
 *
 * On Linux the lock is a listening socket in the abstract namespace named after the directory's device and inode
 * (so every path to the directory, symlinks included, names the same lock): binding it is atomic, and the kernel
 * releases it when the process ends, however it ends (kill -9 too). Elsewhere it is the `lock` file created
 * exclusively (O_EXCL); a lock file whose process is gone is stale and taken over. In both cases `DIR/lock`
 * holds the owner's pid, for people and for the error message.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { isAlive } from "../../contract/process";

export const LOCK_FILE = "lock";

export class DirLockedError extends Error {}

export class DirLock {
  private constructor(private readonly file: string, private readonly socket: net.Server | undefined) {}

  static async acquire(dir: string): Promise<DirLock> {
    const file = path.resolve(dir, LOCK_FILE);
    if (process.platform === "linux") {
      const st = fs.statSync(dir);
      const name = `\0chaser-local-lock-${createHash("sha256").update(`${st.dev}:${st.ino}`).digest("hex").slice(0, 32)}`;
      const socket = net.createServer();
      await new Promise<void>((resolve, reject) => {
        socket.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? inUse(dir, file) : e));
        socket.listen({ path: name, exclusive: true }, () => resolve());
      });
      socket.unref(); // the lock never keeps the process alive
      fs.writeFileSync(file, `${process.pid}\n`);
      return new DirLock(file, socket);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        // Written under another name, then linked: the lock file never exists without its pid.
        const tmp = `${file}.${process.pid}.${Date.now()}`;
        fs.writeFileSync(tmp, `${process.pid}\n`);
        try {
          fs.linkSync(tmp, file);
        } finally {
          fs.rmSync(tmp, { force: true });
        }
        return new DirLock(file, undefined);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const pid = readPid(file);
      if (pid !== undefined && isAlive(pid)) throw inUse(dir, file);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
    throw new DirLockedError(`could not lock the data directory ${dir}`);
  }

  async release(): Promise<void> {
    fs.rmSync(this.file, { force: true });
    const s = this.socket;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function inUse(dir: string, file: string): DirLockedError {
  const pid = readPid(file);
  const who = pid === undefined ? "another chaser-local (it is starting)" : pid === process.pid ? `this process (${pid}): another server in it` : `process ${pid}`;
  return new DirLockedError(`the data directory ${dir} is in use by ${who}: one server per data directory; stop the other one or use another --data`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8").trim(), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
