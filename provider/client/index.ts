/**
 * The typed Chaser Core API client: one transport (undici, retries safe for non-idempotent calls, deadlines),
 * answers validated with the contract's zod schemas, errors as one class per kind of failure, and one API area
 * per property: `client.workspaces`, `client.snapshots`, `client.keys`, `client.accounts` (with its `members` and
 * `serviceAccounts`), `client.sshKeys`, `client.audit`, `client.jobs` (commands in a workspace).
 */
import { Accounts } from "./accounts";
import { Audit } from "./audit";
import { ClientOptions, ResolvedConfig, resolveConfig } from "./config";
import { Core } from "./core";
import { Jobs } from "./jobs";
import { Keys } from "./keys";
import { Snapshots } from "./snapshots";
import { SshKeys } from "./ssh-keys";
import { Workspaces } from "./workspaces";

export type { AccountInfo, MemberInfo, ServiceAccountInfo } from "./accounts";
export type { ExecResult, JobInfo } from "./jobs";
export type { ApiKeyInfo, CreatedApiKey } from "./keys";
export type { AuditEvent, AuditFilters } from "./audit";
export type { SshKeyInfo } from "./ssh-keys";
export type { SnapshotInfo } from "./snapshots";
export type { CreateWorkspace, Difference, ImportWorkspace, WorkspaceInfo, WorkspaceSelector } from "./workspaces";
export type { ClientOptions } from "./config";

export class ChaserClient {
  readonly config: ResolvedConfig;
  readonly workspaces: Workspaces;
  readonly snapshots: Snapshots;
  readonly keys: Keys;
  readonly accounts: Accounts;
  readonly sshKeys: SshKeys;
  readonly audit: Audit;
  readonly jobs: Jobs;

  constructor(opts: ClientOptions = {}) {
    this.config = resolveConfig(opts);
    const core = new Core(this.config);
    this.workspaces = new Workspaces(core);
    this.snapshots = new Snapshots(core);
    this.keys = new Keys(core);
    this.accounts = new Accounts(core);
    this.sshKeys = new SshKeys(core);
    this.audit = new Audit(core);
    this.jobs = new Jobs(core);
  }
}
