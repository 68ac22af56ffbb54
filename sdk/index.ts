import { installDebugFilter } from "./debug-filter";

installDebugFilter();

export { ApiKey, Snapshot, Template, Workspace } from "./resources";
export type { ApiKeyArgs, Scope, SessionType, SnapshotArgs, TemplateArgs, WorkspaceArgs } from "./resources";
export { getWorkspace, listApiKeys, listSnapshots, listWorkspaces } from "./lookups";
export type { LookupOptions } from "./lookups";
export { ChaserClient } from "../provider/client/client";
export type { ApiKeyInfo, SnapshotInfo, WorkspaceInfo } from "../provider/client/client";
export { ChaserApiError, ChaserConfigError } from "../provider/client/errors";
export type { ClientOptions } from "../provider/client/config";
