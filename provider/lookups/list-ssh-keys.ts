/** `listSshKeys`: the SSH keys registered on the account. */
import { defineLookup } from "../lookup";
import { SshKeyInfo } from "./results";

export const listSshKeys = defineLookup({
  name: "listSshKeys",
  description: "The SSH keys registered on the account.",
  args: {},
  result: SshKeyInfo,
  list: true,
  run: (c) => c.sshKeys.list(),
});
