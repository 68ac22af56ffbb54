/** SSH keys of the current account: list, add (OpenSSH public keys), delete. */
import { endpoint, parseOpenSshKey, wire } from "../../contract";
import { Core } from "./core";
import { createOnce } from "./create-once";
import { existed } from "./errors";

export type SshKeyInfo = wire.SshKeyInfo;

/** `type base64` of a public key line: what identifies the key (its comment does not). */
const identity = (publicKey: string) => {
  const k = parseOpenSshKey(publicKey);
  return "error" in k ? publicKey.trim() : k.canonical;
};

export class SshKeys {
  constructor(private readonly core: Core) {}

  list(opts: { fresh?: boolean } = {}): Promise<SshKeyInfo[]> {
    return this.core.shared("ssh-keys", () => this.core.call(endpoint("listSshKeys"), wire.sshKeyList), opts.fresh);
  }

  /** The registered key with this public key (its type and data; comments aside). */
  async find(publicKey: string, opts: { fresh?: boolean } = {}): Promise<SshKeyInfo | undefined> {
    const want = identity(publicKey);
    return (await this.list(opts)).find((k) => identity(k.public_key) === want);
  }

  /** A public key is registered once per account: an unknown outcome is reconciled by the key itself. */
  add(publicKey: string): Promise<SshKeyInfo> {
    return createOnce(this.core, {
      what: "SSH key",
      send: () => this.core.call({ ...endpoint("addSshKey"), body: { public_key: publicKey } }, wire.sshKeyInfo),
      reconcile: () => this.find(publicKey, { fresh: true }),
    });
  }

  /** Resolves false when it was already gone. */
  delete(id: string): Promise<boolean> {
    return existed(this.core.call(endpoint("deleteSshKey", { key_id: id })));
  }
}
