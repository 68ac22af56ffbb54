/**
 * Whether a usable credential exists for the account a resource names, found out at preview so that a program
 * spanning accounts never fails half-way through an `up` after a green preview. API keys are bound to one
 * account: the key for an account is its own from `chaser:accountKeys`, else the default key, which works only if
 * it is bound to that account. One read (`GET /v1/accounts/current`) per distinct account and process.
 */
import { describeAccount } from "../contract";
import { ChaserConfigError, ForbiddenError, NotFoundError, UnauthorizedError } from "./client/errors";
import { accountFor, contextFor, credentialFor } from "./context";

const checked = new Map<string, Promise<string | undefined>>();

const setKey = (account: string) => `\`pulumi config set --secret --path 'chaser:accountKeys.${account}' sk_…\``;

/** A sentence saying why no credential can act in `account` (the resource's), or undefined when one can. */
export function credentialProblem(account: string | undefined): Promise<string | undefined> {
  const acct = accountFor(account);
  if (acct === undefined) return Promise.resolve(undefined);
  const { apiKey, source } = credentialFor(acct);
  // A program that names no account may preview without any credential (e.g. a fork's pull request).
  if (!apiKey && account === undefined) return Promise.resolve(undefined);
  const id = `${acct}|${source}`;
  let p = checked.get(id);
  if (!p) {
    p = (async () => {
      if (!apiKey) return `no API key is configured for ${describeAccount(acct)}: set ${setKey(acct)} (or chaser:apiKey for the default account)`;
      try {
        await contextFor(acct).client.accounts.current();
        return undefined;
      } catch (e) {
        if (e instanceof ForbiddenError && e.code === "account_forbidden") {
          return `the API key in ${source} cannot act in ${describeAccount(acct)} (${e.detail}): API keys are bound to the account active when they were created. Set a key of that account: ${setKey(acct)}`;
        }
        if (e instanceof NotFoundError) return `there is no ${describeAccount(acct)} that the key in ${source} can see: name an account by its id, its exact name, or 'personal'`;
        if (e instanceof UnauthorizedError) return `the API key in ${source} was refused (missing, invalid or revoked): set a valid one${source.startsWith("chaser:accountKeys") ? ` with ${setKey(acct)}` : ""}`;
        if (e instanceof ChaserConfigError) return e.message;
        return undefined; // not knowable now (the API unreachable): `up` will say
      }
    })();
    checked.set(id, p);
  }
  return p;
}

/** For tests: forget what was checked. */
export function forgetCredentialChecks(): void {
  checked.clear();
}
