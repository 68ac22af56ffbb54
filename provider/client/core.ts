/**
 * What every API area of a client shares: the resolved configuration, requests through the transport with
 * answers validated by the contract's zod schemas, and shared listings.
 *
 * Listings are shared per client: concurrent reads of the same listing make one request, and a finished listing
 * is reused for a short while (so a refresh of 500 workspaces lists them once); any write through the client
 * forgets them. The provider keeps one client per (URL, key, account) for the life of its process.
 */
import type { z } from "zod";
import type { ResolvedConfig } from "./config";
import { InvalidResponseError } from "./errors";
import { RequestSpec, send } from "./transport";

/** How long a finished listing is reused by other reads (ms). Writes through the client forget it at once. */
const LISTING_REUSE_MS = 1_000;

interface Flight {
  promise: Promise<unknown>;
  settledAt?: number;
}

export class Core {
  private readonly flights = new Map<string, Flight>();

  constructor(readonly config: ResolvedConfig) {}

  /** Sends a request and validates a 2xx answer with `schema` (none: the answer is ignored). */
  async call<S extends z.ZodTypeAny>(spec: RequestSpec, schema: S): Promise<z.infer<S>>;
  async call(spec: RequestSpec): Promise<void>;
  async call<S extends z.ZodTypeAny>(spec: RequestSpec, schema?: S): Promise<z.infer<S> | void> {
    return (await this.exchange(spec, schema)).body;
  }

  /** Like `call`, with the answer's HTTP status (e.g. 201 for a new object, 200 for one that existed) and how many attempts it took. */
  async answer<S extends z.ZodTypeAny>(spec: RequestSpec, schema: S): Promise<{ status: number; body: z.infer<S>; attempts: number }> {
    return this.exchange(spec, schema);
  }

  /** Sends the request; the answer's body checked against `schema` (none: not read); a write forgets the listings. */
  private async exchange<S extends z.ZodTypeAny>(spec: RequestSpec, schema?: S): Promise<{ status: number; body: z.infer<S>; attempts: number }> {
    try {
      const answer = await send(this.config, spec);
      if (!schema) return { status: answer.status, body: undefined as z.infer<S>, attempts: answer.attempts };
      const r = schema.safeParse(answer.body);
      if (r.success) return { status: answer.status, body: r.data, attempts: answer.attempts };
      const issue = r.error.issues[0];
      throw new InvalidResponseError({
        status: answer.status,
        code: "invalid_response",
        detail: `the Chaser API answered in an unexpected shape (${issue.path.join(".") || "(root)"}: ${issue.message})`,
        method: spec.method,
        path: spec.path,
        requestId: answer.requestId,
      });
    } finally {
      if (spec.method !== "GET") this.forget();
    }
  }

  /** A listing shared by concurrent and recent readers of this client (`fresh`: always a new request). */
  shared<T>(what: string, load: () => Promise<T>, fresh = false): Promise<T> {
    const existing = this.flights.get(what);
    if (!fresh && existing && (existing.settledAt === undefined || Date.now() - existing.settledAt < LISTING_REUSE_MS)) {
      return existing.promise as Promise<T>;
    }
    const flight: Flight = { promise: load() };
    this.flights.set(what, flight);
    flight.promise.then(
      () => (flight.settledAt = Date.now()),
      () => this.flights.get(what) === flight && this.flights.delete(what),
    );
    return flight.promise as Promise<T>;
  }

  /** Forgets every shared listing (after a write). */
  forget(): void {
    this.flights.clear();
  }
}
