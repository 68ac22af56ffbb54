/** Error answers of chaser-local: the status comes from contract's ERROR_CODES, so a code and its status never disagree. */
import { ERROR_CODES, ErrorCode } from "../../contract";

export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}
/** 400 invalid_request, "field: message". */
export const invalid = (field: string, message: string) => new ApiError("invalid_request", field ? `${field}: ${message}` : message);
