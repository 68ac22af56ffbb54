import { installDebugFilter } from "./debug-filter";

installDebugFilter();

export * from "./generated/resources";
export * from "./generated/lookups";
export { ChaserClient } from "../../provider/client";
export type { ClientOptions } from "../../provider/client";
export {
  ChaserApiError,
  ChaserConfigError,
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  InvalidResponseError,
  NotFoundError,
  OutcomeUnknownError,
  RateLimitedError,
  UnauthorizedError,
} from "../../provider/client/errors";
