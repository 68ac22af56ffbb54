/**
 * chaser-local's state: plain records in maps, changed only through `put`/`del`, which also journal the change.
 * With a data directory, `commit()` appends the request's changes to `journal.jsonl` and fsyncs before the
 * answer is sent, so an acknowledged change survives a kill at any moment. At start the last snapshot
 * (`state.json`) is loaded, the journal replayed (a torn last line is ignored), and a new snapshot written
 * atomically (temp file, fsync, rename) before the journal is emptied.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Account {
  id: string;
  name: string;
  plan: "free" | "pro";
  personal: boolean;
  /** user id → role */
  members: Record<string, "owner" | "admin" | "member">;
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
  hash: string;
  prefix: string;
  name: string | null;
  scopes: string[];
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
const NAMES: CollectionName[] = ["accounts", "users", "serviceAccounts", "keys", "workspaces", "snapshots", "sessions"];

type Change = { c: CollectionName; id: string; v?: unknown };

export class Store {
  readonly data: Collections = emptyCollections();
  /** Bumped on every change: caches (e.g. serialized listings) compare it. */
  version = 0;
  private pending: Change[] = [];
  private journalFd: number | undefined;

  constructor(private readonly dir?: string) {}

  /** Loads the snapshot and replays the journal, then compacts. */
  open(): void {
    if (!this.dir) return;
    fs.mkdirSync(this.dir, { recursive: true });
    const snapFile = path.join(this.dir, "state.json");
    const journalFile = path.join(this.dir, "journal.jsonl");
    if (fs.existsSync(snapFile)) {
      const snap = JSON.parse(fs.readFileSync(snapFile, "utf8")) as Record<string, Record<string, unknown>>;
      for (const c of NAMES) for (const [id, v] of Object.entries(snap[c] ?? {})) (this.data[c] as Map<string, unknown>).set(id, v);
    }
    if (fs.existsSync(journalFile)) {
      for (const line of fs.readFileSync(journalFile, "utf8").split("\n")) {
        if (!line) continue;
        let batch: Change[];
        try {
          batch = JSON.parse(line);
        } catch {
          break; // a torn last write: it was never acknowledged
        }
        for (const ch of batch) this.apply(ch);
      }
    }
    this.compact();
    this.journalFd = fs.openSync(journalFile, "a");
  }

  private compact(): void {
    if (!this.dir) return;
    const snap: Record<string, Record<string, unknown>> = {};
    for (const c of NAMES) snap[c] = Object.fromEntries(this.data[c] as Map<string, unknown>);
    const tmp = path.join(this.dir, `state.json.tmp-${process.pid}`);
    const fd = fs.openSync(tmp, "w");
    fs.writeSync(fd, JSON.stringify(snap));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, path.join(this.dir, "state.json"));
    const dfd = fs.openSync(this.dir, "r");
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
    fs.writeFileSync(path.join(this.dir, "journal.jsonl"), "");
  }

  private apply(ch: Change): void {
    const m = this.data[ch.c] as Map<string, unknown>;
    if (ch.v === undefined) m.delete(ch.id);
    else m.set(ch.id, ch.v);
    this.version++;
  }

  put<C extends CollectionName>(c: C, id: string, v: Collections[C] extends Map<string, infer T> ? T : never): void {
    const copy = JSON.parse(JSON.stringify(v));
    this.apply({ c, id, v: copy });
    this.pending.push({ c, id, v: copy });
  }

  del(c: CollectionName, id: string): void {
    this.apply({ c, id });
    this.pending.push({ c, id });
  }

  /** Makes this request's changes durable (one write and one fsync) before the answer is sent. */
  commit(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    if (this.journalFd === undefined) return;
    fs.writeSync(this.journalFd, JSON.stringify(batch) + "\n");
    fs.fsyncSync(this.journalFd);
  }

  /** Drops every record (test control `reset`). */
  clear(): void {
    for (const c of NAMES) for (const id of [...(this.data[c] as Map<string, unknown>).keys()]) this.del(c, id);
  }

  close(): void {
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    this.journalFd = undefined;
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
