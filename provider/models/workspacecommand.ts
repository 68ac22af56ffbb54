/** The WorkspaceCommand model: a command run in a sandbox workspace, once, as a resource (like pulumi-command's remote.Command). */
import { z } from "zod";
import { EXEC_TIMEOUT_MAX_MS, rules } from "../../contract";
import { accountInput, alwaysOutput, defineModel, input, output, requiredInput } from "../model";

const UPDATE = "Changing it runs the `update` command (or `create` again when there is none) in place.";

export const WorkspaceCommandModel = defineModel({
  name: "WorkspaceCommand",
  description:
    "A command run in a sandbox workspace as a resource: `create` runs once when it is created (exactly once, through the jobs API and an idempotency key), `update` when its inputs change, `delete` when it is destroyed. A failing command fails the resource. The session the command attaches is terminated afterwards, so a Snapshot, a rename, a Template flag or a delete can follow without `force`.",
  inputs: z.object({
    workspace: requiredInput(rules.workspaceSelector, { behavior: "replace", description: "The sandbox workspace to run in (id preferred, or name)." }),
    create: requiredInput(rules.command, { behavior: "replace", description: "The command run when the resource is created (through `sh -c`); changing it runs it again." }),
    update: input(rules.command, { behavior: "update", description: `The command run when \`update\`, \`environment\`, \`stdin\`, \`cwd\`, \`user\` or \`timeoutMs\` change (default: \`create\` again). ${UPDATE}` }),
    delete: input(rules.command, { behavior: "state", description: "The command run when the resource is destroyed (or replaced). A failure keeps the resource." }),
    environment: input(rules.environment, { behavior: "update", description: `Environment variables of the command; values may be secrets. ${UPDATE}` }),
    stdin: input(rules.stdin, { behavior: "update", description: `Text given to the command on its standard input; may be a secret. ${UPDATE}` }),
    cwd: input(rules.execCwd, { behavior: "update", description: `Working directory of the command (default: the sandbox's). ${UPDATE}` }),
    user: input(rules.execUser, { behavior: "update", description: `The user the command runs as (e.g. \`root\`, \`ubuntu\`). ${UPDATE}` }),
    timeoutMs: input(rules.execTimeoutMs.min(1, "must be at least 1 ms"), {
      behavior: "update",
      description: `How long the command may run, in ms (1 to ${EXEC_TIMEOUT_MAX_MS}; default the API's, 10 minutes). ${UPDATE}`,
    }),
    triggers: input(z.array(z.union([z.string(), z.number(), z.boolean()]), "must be a list of strings, numbers or booleans"), {
      behavior: "replace",
      description: "Any values; a change of any runs `create` again (the resource is replaced, running `delete` of the old one first when set).",
    }),
    account: accountInput("Account of the workspace"),
    __run: input(z.string(), {
      behavior: "state",
      internal: true,
      description: "Set by the provider: identifies this resource's current run, from which the jobs' idempotency keys derive.",
    }),
  }),
  outputs: z.object({
    exitCode: alwaysOutput(z.number().int(), { description: "Exit code of the last command run (0: it succeeded; a failure fails the resource)." }),
    output: output(z.string(), { secret: true, description: "Output of the last command run (stdout and stderr), at most 64 KiB, the end kept. A secret (it may echo an environment value or stdin)." }),
    outputTruncated: output(z.boolean(), { description: "Whether `output` was cut." }),
    ranAt: alwaysOutput(z.string(), { description: "When the last command run finished (RFC 3339)." }),
    sessionId: output(z.string(), { description: "The sandbox session the last command ran in (terminated after it unless it was attached before)." }),
  }),
});
