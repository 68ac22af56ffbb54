/**
 * What a Pulumi user reads when a hook fails: the API's failure turned into a sentence that says what happened
 * and what to do, with the request's facts once at the end. Applied once, where the provider answers the engine,
 * to reads and writes alike (a 401 reads the same during `refresh` as during `up`). The client's own errors stay
 * free of Pulumi advice: lookups and direct client users get the API's words.
 */
import { ChaserApiError, ChaserConfigError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from "./client/errors";

export type Operation = "check" | "diff" | "create" | "read" | "update" | "delete";

export interface Situation {
  op: Operation;
  /** "workspace", "snapshot", "API key", … */
  noun: string;
  /** The resource's name (or id) for messages. */
  name?: string;
  /** "the personal account", "account 'Acme'". */
  where: string;
  /** Resource-specific advice, tried first (undefined: the general rules). */
  specific?: (e: ChaserApiError) => string | undefined;
}

const MARK = "\u0000pulumi-chaser";

/**
 * An error whose message is the whole story. The dynamic-provider host prints `${error}: ${error.stack}` to its
 * stderr before answering the engine with the message, which the engine shows as well: for this error that
 * line is a mark the provider's process leaves out, so the message is shown once, without a stack trace.
 */
export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderError";
    this.stack = "";
  }
  toString(): string {
    return MARK;
  }
}

if (/dynamic-provider/.test(process.argv[1] ?? "")) {
  const print = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith(MARK)) return;
    print(...args);
  };
}

const SET_KEY = "set it with `pulumi config set --secret chaser:apiKey sk_…` (or CHASER_API_KEY)";
const STORED_KEY =
  "`pulumi refresh` and `pulumi destroy` use the provider configuration stored by the stack's last update: after changing or rotating the key, run `pulumi up` (or `pulumi refresh --run-program`) once";

export function advise(err: unknown, s: Situation): Error {
  if (err instanceof ProviderError) return err;
  if (err instanceof ChaserConfigError) return new ProviderError(err.message);
  if (!(err instanceof ChaserApiError)) return err instanceof Error ? err : new Error(String(err));
  const specific = s.specific?.(err);
  let advice: string | undefined = specific;
  if (advice === undefined) {
    if (err instanceof UnauthorizedError) {
      advice = `the Chaser API refused the API key used for ${s.where} (missing, invalid or revoked): ${SET_KEY}` + (s.op === "read" || s.op === "delete" ? `. ${STORED_KEY}` : "");
    } else if (err instanceof ForbiddenError && err.code === "account_forbidden") {
      advice = `the API key cannot act in ${s.where}: ${err.detail}. API keys are bound to the account that was active when they were created: use a key of that account`;
    } else if (err instanceof ForbiddenError && err.code === "insufficient_scope") {
      advice = `the API key used for ${s.where} lacks a scope this needs: ${err.detail}`;
    } else if (err instanceof ForbiddenError && err.code === "plan_limit") {
      advice = `${s.where} cannot do this on its plan: ${err.detail}`;
    } else if (err instanceof ConflictError && err.code === "workspace_name_ambiguous") {
      advice = `the workspace selector matches more than one workspace in ${s.where} (the name of one is the id of another): use the workspace id`;
    } else if (err instanceof NotFoundError && err.code === "account_not_found") {
      advice = `there is no ${s.where} (an account is named by its id, its exact name, or 'personal'): ${err.detail}`;
    }
  }
  return new ProviderError(`${s.noun}${s.name ? ` '${s.name}'` : ""}: ${advice ?? err.detail} (${err.facts()})`);
}
