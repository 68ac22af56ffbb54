/**
 * chaser-local's state: plain records in maps, changed only through `put`/`del`, which journal each change and
 * keep an undo record, so a request is a transaction: `commit()` makes its changes durable, `rollback()` undoes
 * them (an error answer never leaves half a change behind).
 *
 * With a data directory, `commit()` appends the request's changes as one JSON line to `journal.jsonl` and fsyncs
 * it (fs.writeSync + fs.fsyncSync) before the answer is sent, so an acknowledged change survives a kill at any
 * moment. At start the last snapshot (`state.json`) is loaded, the journal replayed (a torn last line, never
 * acknowledged, is ignored; a damaged line before the last one refuses the start), and a new snapshot written
 * atomically (temporary file, fsync, rename, directory fsync) before the journal is emptied. A `lock` file holding
 * the pid keeps a second server away from the same directory. Key secrets never reach the store: keys hold a
 * sha256 hash.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type Role = "owner" | "admin" | "member";
export interface Account {
  id: string;
  name: string;
  plan: "free" | "pro";
  personal: boolean;
  /** user id → role */
  members: Record<string, Role>;
}
export interface User {
  id: string;
  name: string;
  personalAccountId: string;
}
export interface ServiceAccount {
  id: string;
  name: string;
  accountId: string;
}
export interface Key {
  id: string;
  /** sha256 (hex) of the secret; the secret itself is never stored */
  hash: string;
  prefix: string;
  name: string | null;
  scopes: string[];
  /** the account the key is bound to (the account active when it was created) */
  accountId: string;
  userId: string | null;
  serviceAccountId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface Workspace {
  id: string;
  accountId: string;
  name: string | null;
  session_type: string;
  image: string | null;
  template: boolean;
  github_repo: string | null;
  source_workspace_id: string | null;
  created_at: string;
  active_session_id: string | null;
  last_session_id: string | null;
}
export interface Snapshot {
  id: string; // `${workspaceId}/${name}`
  workspaceId: string;
  name: string;
  created_at: string;
  size_bytes: number;
}
export interface Session {
  id: string;
  accountId: string;
  session_type: string;
  status: "running" | "terminated";
  created_at: string;
  workspace_id: string | null;
  image: string | null;
}

export interface Collections {
  accounts: Map<string, Account>;
  users: Map<string, User>;
  serviceAccounts: Map<string, ServiceAccount>;
  keys: Map<string, Key>;
  workspaces: Map<string, Workspace>;
  snapshots: Map<string, Snapshot>;
  sessions: Map<string, Session>;
}
export type CollectionName = keyof Collections;
export type RecordOf<C extends CollectionName> = Collections[C] extends Map<string, infer T> ? T : never;
export const COLLECTIONS: readonly CollectionName[] = ["accounts", "users", "serviceAccounts", "keys", "workspaces", "snapshots", "sessions"];

/** Called after every change (also while loading): `prev` and `next` are undefined for inserts and deletes. */
export type ChangeListener = (c: CollectionName, id: string, prev: unknown, next: unknown) => void;

const SNAPSHOT = "state.json";
const JOURNAL = "journal.jsonl";
const LOCK = "lock";
/** Lock files held by this process (a lock naming our own pid that we do not hold is stale). */
const heldLocks = new Set<string>();

export class Store {
  readonly data: Collections = emptyCollections();
  /** Bumped on every change. */
  version = 0;
  /** Serialized changes of the open transaction, and their undo records (same length). */
  private pending: string[] = [];
  private undo: Array<{ c: CollectionName; id: string; prev: unknown }> = [];
  private listeners: ChangeListener[] = [];
  private journalFd: number | undefined;
  private journalSize = 0;
  private lockFile: string | undefined;

  constructor(readonly dir?: string) {}

  onChange(fn: ChangeListener): void {
    this.listeners.push(fn);
  }

  /** Takes the directory's lock, loads the snapshot, replays the journal, then compacts. */
  open(): void {
    if (!this.dir) return;
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock();
    try {
      this.load();
      this.compact();
      this.journalFd = fs.openSync(path.join(this.dir, JOURNAL), "a");
      this.journalSize = 0;
    } catch (e) {
      this.unlock();
      throw e;
    }
  }

  private lock(): void {
    const file = path.resolve(this.dir!, LOCK);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, "wx");
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        this.lockFile = file;
        heldLocks.add(file);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      let pid = 0;
      try {
        pid = Number.parseInt(fs.readFileSync(file, "utf8").trim(), 10);
      } catch {
        // vanished meanwhile: try again
      }
      if (pid > 0 && (heldLocks.has(file) || (pid !== process.pid && isAlive(pid)))) {
        throw new Error(`the data directory ${this.dir} is in use by process ${pid} (if it is not, delete ${file})`);
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
    throw new Error(`could not lock the data directory ${this.dir}`);
  }

  private unlock(): void {
    if (!this.lockFile) return;
    heldLocks.delete(this.lockFile);
    fs.rmSync(this.lockFile, { force: true });
    this.lockFile = undefined;
  }

  private load(): void {
    const snapFile = path.join(this.dir!, SNAPSHOT);
    const journalFile = path.join(this.dir!, JOURNAL);
    if (fs.existsSync(snapFile)) {
      let snap: Record<string, Record<string, unknown>>;
      try {
        snap = JSON.parse(fs.readFileSync(snapFile, "utf8"));
      } catch (e) {
        throw new Error(`${snapFile} is damaged (${(e as Error).message}); it is only ever replaced atomically, so something else wrote it`);
      }
      for (const c of COLLECTIONS) for (const [id, v] of Object.entries(snap[c] ?? {})) this.apply(c, id, v);
    }
    if (!fs.existsSync(journalFile)) return;
    const lines = fs.readFileSync(journalFile, "utf8").split("\n");
    let last = lines.length - 1;
    while (last >= 0 && lines[last] === "") last--;
    for (let i = 0; i <= last; i++) {
      if (lines[i] === "") continue;
      const batch = parseBatch(lines[i]);
      if (!batch) {
        if (i === last) break; // a torn last write: it was never acknowledged
        throw new Error(`${journalFile}: line ${i + 1} is damaged, and only the last line may be (a write cut short)`);
      }
      for (const ch of batch) this.apply(ch.c, ch.id, ch.v);
    }
  }

  /** Writes the whole state as a new snapshot (atomically), then empties the journal. */
  private compact(): void {
    const dir = this.dir!;
    const snap: Record<string, Record<string, unknown>> = {};
    for (const c of COLLECTIONS) snap[c] = Object.fromEntries(this.data[c] as Map<string, unknown>);
    const tmp = path.join(dir, `${SNAPSHOT}.tmp`);
    writeDurably(tmp, JSON.stringify(snap));
    fs.renameSync(tmp, path.join(dir, SNAPSHOT));
    fsyncDir(dir);
    // Replaying the old journal over the new snapshot would be harmless (changes are whole records), so a
    // crash between the rename and this truncation loses nothing either.
    writeDurably(path.join(dir, JOURNAL), "");
  }

  private apply(c: CollectionName, id: string, v: unknown): void {
    const m = this.data[c] as Map<string, unknown>;
    const prev = m.get(id);
    if (v === undefined) m.delete(id);
    else m.set(id, v);
    this.version++;
    for (const l of this.listeners) l(c, id, prev, v);
  }

  get<C extends CollectionName>(c: C, id: string): RecordOf<C> | undefined {
    return (this.data[c] as Map<string, RecordOf<C>>).get(id);
  }

  /** Stores a copy of `v` (later changes to `v` do not leak in) and returns the stored record. */
  put<C extends CollectionName>(c: C, id: string, v: RecordOf<C>): RecordOf<C> {
    const json = JSON.stringify(v);
    const copy = JSON.parse(json) as RecordOf<C>;
    this.undo.push({ c, id, prev: this.data[c].get(id) });
    this.pending.push(`{"c":"${c}","id":${JSON.stringify(id)},"v":${json}}`);
    this.apply(c, id, copy);
    return copy;
  }

  del(c: CollectionName, id: string): void {
    const m = this.data[c] as Map<string, unknown>;
    if (!m.has(id)) return;
    this.undo.push({ c, id, prev: m.get(id) });
    this.pending.push(`{"c":"${c}","id":${JSON.stringify(id)}}`);
    this.apply(c, id, undefined);
  }

  /** A savepoint inside the open transaction, for `rollback(mark)`. */
  mark(): number {
    return this.undo.length;
  }

  /** Undoes the open transaction's changes back to `mark` (default: all of them). */
  rollback(mark = 0): void {
    while (this.undo.length > mark) {
      const u = this.undo.pop()!;
      this.pending.pop();
      this.apply(u.c, u.id, u.prev);
    }
  }

  /**
   * Ends the open transaction: with a data directory, one write and one fsync of its changes before the answer
   * is sent. If the write fails, the journal is cut back to its last good length, the changes are undone, and
   * the error is thrown (the request then fails without having changed anything).
   */
  commit(): void {
    if (this.pending.length === 0) {
      this.undo = [];
      return;
    }
    if (this.journalFd !== undefined) {
      const line = Buffer.from(`[${this.pending.join(",")}]\n`, "utf8");
      try {
        let off = 0;
        while (off < line.length) off += fs.writeSync(this.journalFd, line, off, line.length - off);
        fs.fsyncSync(this.journalFd);
        this.journalSize += line.length;
      } catch (e) {
        try {
          fs.ftruncateSync(this.journalFd, this.journalSize);
        } catch {
          // the next start ignores a torn last line anyway
        }
        this.rollback();
        throw e;
      }
    }
    this.pending = [];
    this.undo = [];
  }

  /** Deletes every record (inside the open transaction). */
  clear(): void {
    for (const c of COLLECTIONS) for (const id of [...this.data[c].keys()]) this.del(c, id);
  }

  /**
   * Closes the journal. A clean close also compacts, which keeps what is held in memory only (a key's
   * `lastUsedAt`) across the restart.
   */
  close(): void {
    if (this.journalFd === undefined) return;
    try {
      fs.closeSync(this.journalFd);
      this.journalFd = undefined;
      this.compact();
    } finally {
      this.unlock();
    }
  }
}

function parseBatch(line: string): Array<{ c: CollectionName; id: string; v?: unknown }> | undefined {
  let batch: unknown;
  try {
    batch = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(batch)) return undefined;
  for (const ch of batch) {
    if (!ch || typeof ch !== "object" || !COLLECTIONS.includes(ch.c) || typeof ch.id !== "string") return undefined;
  }
  return batch;
}

function writeDurably(file: string, text: string): void {
  const buf = Buffer.from(text, "utf8");
  const fd = fs.openSync(file, "w");
  try {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // some platforms cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function emptyCollections(): Collections {
  return {
    accounts: new Map(),
    users: new Map(),
    serviceAccounts: new Map(),
    keys: new Map(),
    workspaces: new Map(),
    snapshots: new Map(),
    sessions: new Map(),
  };
}
