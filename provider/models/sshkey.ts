/** The SshKey model: an OpenSSH public key registered on an account, for `ssh <workspace>@ssh.chaser.sh`. */
import { z } from "zod";
import { rules } from "../../contract";
import { accountInput, adoptExisting, alwaysOutput, defineModel, output, requiredInput } from "../model";

export const SshKeyModel = defineModel({
  name: "SshKey",
  description: "An SSH public key registered on an account: it opens `ssh <workspace>@ssh.chaser.sh` to the account's sandbox workspaces. A change replaces it.",
  inputs: z.object({
    publicKey: requiredInput(rules.sshPublicKey, {
      behavior: "replace",
      description: "The OpenSSH public key line (`ssh-ed25519 AAAA… comment`, as in a `.pub` file). Checked at preview.",
    }),
    account: accountInput("The account to register it on"),
    adoptExisting: adoptExisting("Take over this key if it is registered on the account already, instead of failing"),
  }),
  outputs: z.object({
    keyId: alwaysOutput(z.string(), { wire: "id", isId: true, description: "The SSH key's id (also the resource id)." }),
    fingerprint: alwaysOutput(z.string(), { description: "The key's fingerprint, `SHA256:…` as `ssh-keygen -l` prints it." }),
    comment: output(z.string(), { description: "The comment of the key line, if any." }),
    createdAt: output(z.string(), { description: "Registration time (RFC 3339)." }),
  }),
});
