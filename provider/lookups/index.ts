/**
 * The package's lookups, listed once, like the resources in provider/registry.ts: each a descriptor in a module
 * of its own (provider/lookup.ts says what one holds). Everything that names them derives from this list:
 * schema.json's functions and the README reference (provider/schema.ts), the plugin's invokes
 * (provider/grpc/server.ts), both TypeScript faces (provider/codegen.ts) and the tests that cover every lookup.
 *
 * Adding a lookup: its module here (its result in results.ts if it answers a new kind of object), one line in
 * LOOKUPS, then `make schema`.
 */
import { Lookup, LookupOptions, runLookup } from "../lookup";

export { invokeLookup } from "../lookup";
import { programSettings } from "../settings";
import { getAccount } from "./get-account";
import { getWorkspace } from "./get-workspace";
import { listAccounts } from "./list-accounts";
import { listApiKeys } from "./list-api-keys";
import { listAuditEvents } from "./list-audit-events";
import { listMembers } from "./list-members";
import { listServiceAccounts } from "./list-service-accounts";
import { listSnapshots } from "./list-snapshots";
import { listSshKeys } from "./list-ssh-keys";
import { listWorkspaces } from "./list-workspaces";

export { RESULTS } from "./results";

/** In the order of schema.json, the SDKs and the README. */
export const LOOKUPS: readonly Lookup[] = [
  getWorkspace,
  listWorkspaces,
  listSnapshots,
  listApiKeys,
  getAccount,
  listAccounts,
  listMembers,
  listServiceAccounts,
  listSshKeys,
  listAuditEvents,
];

/** The lookup of a name (`getWorkspace`); undefined for no lookup of the package. */
export function lookupNamed(name: string): Lookup | undefined {
  return LOOKUPS.find((l) => l.name === name);
}

/** A lookup of the main entry, run in the program: settings from the options, else the stack's config, else the environment. */
export function programLookup(name: string, args: object, opts?: LookupOptions): Promise<unknown> {
  return runLookup(lookupNamed(name)!, args, opts, programSettings());
}
