/** Debug lines on stderr when CHASER_DEBUG is set (not empty, `0` or `false`), credentials redacted. */
import { redact } from "./redact";

export function debugEnabled(): boolean {
  const v = process.env.CHASER_DEBUG;
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

export function debug(line: string): void {
  if (debugEnabled()) process.stderr.write(redact(`[chaser] ${line}`) + "\n");
}
