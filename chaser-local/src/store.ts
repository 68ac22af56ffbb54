/**
 * chaser-local's state: plain records in maps, changed only through `put`/`del`, which journal each change and
 * keep an undo record, so a request is a transaction: `commit()` makes its changes durable, `rollback()` undoes
 * them (an error answer never leaves half a change behind).
 *
 * The promise, with a data directory: **a change is acknowledged only once it is on disk (written and fsync'd),
 * and a change that could not be written is answered with an error and leaves nothing behind, in memory or on
 * disk.** So an acknowledged change survives kill -9, power loss and a full disk.
 *
 * - `commit()` appends the request's changes as one JSON line to `journal.jsonl` and fsyncs it before the answer
 *   is sent. If the write or the fsync fails (disk full, I/O error), the journal is cut back to its last good
 *   length, the changes are undone in memory, and a StorageError is thrown (answered 503 `storage_unavailable`).
 *   Should even cutting back fail, the store refuses every later write until a restart, so nothing is ever
 *   appended after a torn line.
 * - At start the last snapshot (`state.json`) is loaded, the journal replayed, and a new snapshot written
 *   atomically (temporary file, fsync, rename, directory fsync) before the journal is emptied. Every record is
 *   checked against its shape (records.ts). An unfinished last line (no newline: a write cut short, which was
 *   never acknowledged) is cut off. Any other damage, anywhere, refuses the start with the file, the line and
 *   byte offset, and what to do; `repair` keeps every intact record, copies the damaged file aside
 *   (`FILE.damaged-TIME`) and writes a clean snapshot. Nothing is ever dropped silently.
 * - The directory is locked (lock.ts): one server per directory.
 *
 * All file writes go through `FileIo` (default: node:fs), so tests can make them fail. Key secrets never reach
 * the store: keys hold a sha256 hash.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { jsonErrorIndex } from "./json-offset";
import { DirLock } from "./lock";
import { checkRecord, CollectionName, COLLECTIONS, Collections, emptyCollections, RecordOf } from "./records";

/** The file operations the store performs: node:fs by default; tests replace some to make writes fail. */
export interface FileIo {
  openSync(file: string, flags: string): number;
  writeSync(fd: number, buf: Buffer, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  copyFileSync(from: string, to: string): void;
  readFileSync(file: string): Buffer;
}

const nodeIo: FileIo = {
  openSync: (f, flags) => fs.openSync(f, flags),
  writeSync: (fd, buf, off, len) => fs.writeSync(fd, buf, off, len),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  copyFileSync: (a, b) => fs.copyFileSync(a, b),
  readFileSync: (f) => fs.readFileSync(f),
};

export interface StoreOptions {
  /** replaces some file operations (tests make writes fail with it) */
  io?: Partial<FileIo>;
  /** keep every intact record of a damaged data directory and move the damaged files aside */
  repair?: boolean;
}

/** What loading found worth telling: a cut-off unfinished write, repairs made, a compaction that could not run. */
export interface LoadReport {
  notes: string[];
  /** damaged files copied aside by a repair */
  movedAside: string[];
}

/** A change could not be made durable; nothing was changed. */
export class StorageError extends Error {}

/** The data directory holds damage that only a person (or `repair`) may resolve. */
export class DamagedDataError extends Error {
  constructor(readonly file: string, readonly where: string, readonly reason: string) {
    super(
      `${file}: ${where}: ${reason}. chaser-local refuses to start rather than drop acknowledged changes. ` +
        `Restore the file from a backup, or start with --repair (option repair: true) to keep every intact record ` +
        `and copy the damaged file aside to ${path.basename(file)}.damaged-TIME.`,
    );
  }
}

/** Damage found while loading: refuses the start (DamagedDataError), or with `repair` is noted and dropped. */
type Damage = (file: string, where: string, reason: string) => void;

/** Called after every change (also while loading): `prev` and `next` are undefined for inserts and deletes. */
export type ChangeListener = (c: CollectionName, id: string, prev: unknown, next: unknown) => void;

export const SNAPSHOT = "state.json";
export const JOURNAL = "journal.jsonl";

export class Store {
  readonly data: Collections = emptyCollections();
  /** Bumped on every change. */
  version = 0;
  /** Serialized changes of the open transaction, and their undo records (same length). */
  private pending: string[] = [];
  private undo: Array<{ c: CollectionName; id: string; prev: unknown }> = [];
  private listeners: ChangeListener[] = [];
  private journalFd: number | undefined;
  /** Length of the journal's acknowledged content: a failed write is cut back to it. */
  private journalSize = 0;
  private lock: DirLock | undefined;
  /** Set when a failed write could not be cut off the journal: every later write is refused. */
  private broken: Error | undefined;
  private readonly io: FileIo;
  private readonly repair: boolean;

  constructor(readonly dir?: string, opts: StoreOptions = {}) {
    this.io = { ...nodeIo, ...opts.io };
    this.repair = opts.repair ?? false;
  }

  onChange(fn: ChangeListener): void {
    this.listeners.push(fn);
  }

  /** Takes the directory's lock, loads the snapshot, replays the journal, then compacts. */
  async open(): Promise<LoadReport> {
    const report: LoadReport = { notes: [], movedAside: [] };
    if (!this.dir) return report;
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock = await DirLock.acquire(this.dir);
    try {
      const { damaged, journalEnd } = this.load(report);
      const journalFile = path.join(this.dir, JOURNAL);
      this.journalFd = this.io.openSync(journalFile, "a");
      fsyncDir(this.dir);
      if (journalEnd !== undefined) {
        // Cut the unfinished last write off before anything is appended after it.
        this.io.ftruncateSync(this.journalFd, journalEnd);
        this.io.fsyncSync(this.journalFd);
      }
      this.journalSize = fs.fstatSync(this.journalFd).size;
      if (damaged.length > 0) {
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        for (const file of damaged) {
          const aside = `${file}.damaged-${stamp}`;
          this.io.copyFileSync(file, aside);
          fsyncFile(aside);
          report.movedAside.push(aside);
        }
        this.compact(); // must succeed: it replaces the damaged files
      } else {
        try {
          this.compact();
        } catch (e) {
          // A full disk must not stop a start: the journal is intact, appends go on after it.
          report.notes.push(`could not compact the data directory (${(e as Error).message}); the journal is kept as it is`);
        }
      }
      return report;
    } catch (e) {
      if (this.journalFd !== undefined) this.io.closeSync(this.journalFd);
      this.journalFd = undefined;
      await this.lock.release();
      this.lock = undefined;
      throw e;
    }
  }

  /**
   * Loads the snapshot and replays the journal. Returns the damaged files (only with `repair`; without it the
   * first damage throws) and, when the journal ends in an unfinished write, the length to cut it back to.
   */
  private load(report: LoadReport): { damaged: string[]; journalEnd: number | undefined } {
    const damaged = new Set<string>();
    const damage: Damage = (file, where, reason) => {
      if (!this.repair) throw new DamagedDataError(file, where, reason);
      damaged.add(file);
      report.notes.push(`repair: ${file}: ${where}: ${reason}: dropped`);
    };
    this.loadSnapshot(damage);
    const journalEnd = this.replayJournal(report, damage);
    return { damaged: [...damaged], journalEnd };
  }

  /** Applies every intact record of `state.json`, if there is one. */
  private loadSnapshot(damage: Damage): void {
    const snapFile = path.join(this.dir!, SNAPSHOT);
    if (!fs.existsSync(snapFile)) return;
    const text = this.io.readFileSync(snapFile).toString("utf8");
    let snap: unknown;
    try {
      snap = JSON.parse(text);
    } catch (e) {
      const at = Buffer.byteLength(text.slice(0, jsonErrorIndex(text)));
      return damage(snapFile, `byte offset ${at}`, `not valid JSON (${(e as Error).message})`);
    }
    if (!isPlainObject(snap)) return damage(snapFile, "the whole file", "not a JSON object of collections");
    for (const c of COLLECTIONS) {
      const coll = snap[c];
      if (coll === undefined) continue; // a collection added after the file was written: empty
      const collAt = text.indexOf(`"${c}":`);
      if (!isPlainObject(coll)) {
        damage(snapFile, `byte offset ${Buffer.byteLength(text.slice(0, Math.max(0, collAt)))} (${c})`, `${c} is not an object of records`);
        continue;
      }
      for (const [id, v] of Object.entries(coll)) {
        const checked = checkRecord(c, id, v);
        if ("error" in checked) {
          const at = text.indexOf(`${JSON.stringify(id)}:`, collAt);
          damage(snapFile, `byte offset ${Buffer.byteLength(text.slice(0, Math.max(0, at)))} (${c} '${id}')`, checked.error);
        } else this.apply(c, id, checked.record);
      }
    }
  }

  /** Replays `journal.jsonl`, if there is one; returns the length to cut it back to when it ends in an unfinished write. */
  private replayJournal(report: LoadReport, damage: Damage): number | undefined {
    const journalFile = path.join(this.dir!, JOURNAL);
    if (!fs.existsSync(journalFile)) return undefined;
    const buf = this.io.readFileSync(journalFile);
    let off = 0;
    let line = 0;
    while (off < buf.length) {
      const nl = buf.indexOf(0x0a, off);
      if (nl < 0) {
        // No newline: a write cut short. Its request was never acknowledged (that needs the whole line fsync'd).
        report.notes.push(`${journalFile}: cut off an unfinished last write (${buf.length - off} bytes at byte offset ${off}); it was never acknowledged`);
        return off;
      }
      line++;
      const text = buf.toString("utf8", off, nl);
      if (text !== "") {
        const batch = parseBatch(text);
        if ("error" in batch) damage(journalFile, `line ${line} (byte offset ${off})`, batch.error);
        else for (const ch of batch.changes) this.apply(ch.c, ch.id, ch.v);
      }
      off = nl + 1;
    }
    return undefined;
  }

  /** Writes the whole state as a new snapshot (atomically), then empties the journal. */
  private compact(): void {
    const dir = this.dir!;
    const snap: Record<string, Record<string, unknown>> = {};
    for (const c of COLLECTIONS) snap[c] = Object.fromEntries(this.data[c] as Map<string, unknown>);
    const tmp = path.join(dir, `${SNAPSHOT}.tmp`);
    try {
      this.writeDurably(tmp, JSON.stringify(snap));
      this.io.renameSync(tmp, path.join(dir, SNAPSHOT));
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fsyncDir(dir);
    // Replaying the old journal over the new snapshot would be harmless (changes are whole records), so a
    // crash between the rename and this truncation loses nothing either.
    if (this.journalFd !== undefined) {
      this.io.ftruncateSync(this.journalFd, 0);
      this.io.fsyncSync(this.journalFd);
      this.journalSize = 0;
    }
  }

  private writeDurably(file: string, text: string): void {
    const buf = Buffer.from(text, "utf8");
    const fd = this.io.openSync(file, "w");
    try {
      writeAll(this.io, fd, buf);
      this.io.fsyncSync(fd);
    } finally {
      this.io.closeSync(fd);
    }
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
   * is sent. If either fails, the journal is cut back to its last good length, the changes are undone, and a
   * StorageError is thrown (the request then fails without having changed anything).
   */
  commit(): void {
    if (this.pending.length === 0) {
      this.undo = [];
      return;
    }
    if (this.journalFd !== undefined) {
      if (this.broken) {
        this.rollback();
        throw new StorageError(
          `writes are refused: an earlier failed write could not be cut off ${JOURNAL} (${this.broken.message}); nothing was changed. Restart chaser-local once the disk is healthy`,
        );
      }
      const line = Buffer.from(`[${this.pending.join(",")}]\n`, "utf8");
      try {
        writeAll(this.io, this.journalFd, line);
        this.io.fsyncSync(this.journalFd);
        this.journalSize += line.length;
      } catch (e) {
        try {
          this.io.ftruncateSync(this.journalFd, this.journalSize);
          this.io.fsyncSync(this.journalFd);
        } catch (cut) {
          this.broken = cut as Error;
        }
        this.rollback();
        throw new StorageError(`the change could not be written to ${JOURNAL} (${(e as Error).message}); nothing was changed`);
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
   * Closes the journal and releases the directory. A clean close also compacts, which keeps what is held in
   * memory only (a key's `lastUsedAt`) across the restart.
   */
  async close(): Promise<void> {
    try {
      if (this.journalFd !== undefined) {
        try {
          this.compact();
        } finally {
          this.io.closeSync(this.journalFd);
          this.journalFd = undefined;
        }
      }
    } finally {
      const lock = this.lock;
      this.lock = undefined;
      if (lock) await lock.release();
    }
  }
}

function writeAll(io: FileIo, fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    const n = io.writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw new Error(`a write stored nothing (${off} of ${buf.length} bytes written)`);
    off += n;
  }
}

function parseBatch(line: string): { changes: Array<{ c: CollectionName; id: string; v?: unknown }> } | { error: string } {
  let batch: unknown;
  try {
    batch = JSON.parse(line);
  } catch (e) {
    return { error: `not valid JSON at byte ${Buffer.byteLength(line.slice(0, jsonErrorIndex(line)))} of the line (${(e as Error).message})` };
  }
  if (!Array.isArray(batch)) return { error: "not a list of changes" };
  const changes: Array<{ c: CollectionName; id: string; v?: unknown }> = [];
  for (const [i, ch] of batch.entries()) {
    if (!isPlainObject(ch) || !COLLECTIONS.includes(ch.c as CollectionName) || typeof ch.id !== "string" || ch.id === "") {
      return { error: `change ${i + 1} is not {c: COLLECTION, id, v?}` };
    }
    const c = ch.c as CollectionName;
    if (ch.v === undefined) changes.push({ c, id: ch.id });
    else {
      const checked = checkRecord(c, ch.id, ch.v);
      if ("error" in checked) return { error: `change ${i + 1}: ${checked.error}` };
      changes.push({ c, id: ch.id, v: checked.record });
    }
  }
  return { changes };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, "r");
  try {
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
