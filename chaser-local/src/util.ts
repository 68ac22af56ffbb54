/** Small helpers of chaser-local: hashes, timestamps, key secrets. */
import { createHash, randomBytes } from "node:crypto";

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const now = () => new Date().toISOString();
export const newKeySecret = () => `sk_${randomBytes(24).toString("base64url")}`;
