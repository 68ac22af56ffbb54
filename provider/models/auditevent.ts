/** An event of the account's audit log as the lookup `listAuditEvents` describes it (no resource). */
import { z } from "zod";
import { alwaysOutput, defineModel, output } from "../model";

export const AuditEventModel = defineModel({
  name: "AuditEvent",
  description: "An event of the account's audit log: who did what to which object, when, and whether it succeeded.",
  inputs: z.object({}),
  outputs: z.object({
    eventId: output(z.string(), { wire: "id", description: "The event's id." }),
    actorType: output(z.string(), { description: "`user` or `service_account`." }),
    actorId: output(z.string(), { description: "The id of the user or service account that acted." }),
    action: alwaysOutput(z.string(), { description: "What was done, e.g. `workspace.name.update`, `api_key.revoke`." }),
    resourceType: output(z.string(), { description: "The kind of object acted on, e.g. `workspace`, `snapshot`, `api_key`." }),
    resourceId: output(z.string(), { description: "The id of the object acted on (a snapshot's is `<workspace id>/<name>`)." }),
    status: output(z.string(), { description: "`success` or `failure`." }),
    summary: output(z.string(), { description: "The event in words." }),
    metadata: output(z.record(z.string(), z.unknown()), { description: "Details: the change (`from`, `to`), the prefix of the key used (`key_prefix`), an error's code." }),
    createdAt: output(z.string(), { description: "When it happened (RFC 3339)." }),
  }),
});
