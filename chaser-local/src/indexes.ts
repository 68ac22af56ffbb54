/**
 * chaser-local's indexes over the store, kept up to date by its change events (a rollback included): keys by
 * hash, workspaces by account (in creation order) and by folded name, snapshots by workspace, users by email, and
 * each account's serialized workspace listing (dropped when one of its workspaces changes).
 */
import { foldName } from "../../contract";
import type { Key, Snapshot, User, Workspace } from "./records";
import type { Store } from "./store";

export class Indexes {
  readonly keyByHash = new Map<string, Key>();
  readonly wsByAccount = new Map<string, Map<string, Workspace>>();
  readonly wsByName = new Map<string, Map<string, Workspace>>();
  readonly snapsByWs = new Map<string, Map<string, Snapshot>>();
  readonly userByEmail = new Map<string, User>();
  /** Serialized `GET /v1/workspaces` answers per account, dropped when one of its workspaces changes. */
  readonly listings = new Map<string, string>();

  constructor(store: Store) {
    store.onChange((c, id, prev, next) => {
      if (c === "keys") this.indexKey(prev as Key | undefined, next as Key | undefined);
      else if (c === "workspaces") this.indexWorkspace(id, prev as Workspace | undefined, next as Workspace | undefined);
      else if (c === "snapshots") this.indexSnapshot(prev as Snapshot | undefined, next as Snapshot | undefined);
      else if (c === "users") this.indexUser(prev as User | undefined, next as User | undefined);
    });
  }

  private indexKey(prev: Key | undefined, next: Key | undefined): void {
    if (prev && this.keyByHash.get(prev.hash)?.id === prev.id) this.keyByHash.delete(prev.hash);
    if (next) this.keyByHash.set(next.hash, next);
  }

  private indexWorkspace(id: string, prev: Workspace | undefined, next: Workspace | undefined): void {
    if (prev) {
      this.listings.delete(prev.accountId);
      if (!next || next.accountId !== prev.accountId) this.wsByAccount.get(prev.accountId)?.delete(id);
      if (prev.name !== null) {
        const names = this.wsByName.get(prev.accountId);
        if (names?.get(foldName(prev.name))?.id === id) names.delete(foldName(prev.name));
      }
    }
    if (next) {
      this.listings.delete(next.accountId);
      mapOf(this.wsByAccount, next.accountId).set(id, next); // an update keeps its place: listings stay in creation order
      if (next.name !== null && next.name !== "") mapOf(this.wsByName, next.accountId).set(foldName(next.name), next);
    }
  }

  private indexSnapshot(prev: Snapshot | undefined, next: Snapshot | undefined): void {
    if (prev && (!next || next.workspaceId !== prev.workspaceId || next.name !== prev.name)) this.snapsByWs.get(prev.workspaceId)?.delete(prev.name);
    if (next) mapOf(this.snapsByWs, next.workspaceId).set(next.name, next);
  }

  private indexUser(prev: User | undefined, next: User | undefined): void {
    if (prev && this.userByEmail.get(foldName(prev.email))?.id === prev.id) this.userByEmail.delete(foldName(prev.email));
    if (next) this.userByEmail.set(foldName(next.email), next);
  }
}

function mapOf<K, V>(m: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = m.get(key);
  if (!inner) m.set(key, (inner = new Map()));
  return inner;
}
