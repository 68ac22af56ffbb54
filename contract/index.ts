/** The API contract shared by the client, the provider and chaser-local: facts and value rules, wire shapes. */
export * from "./rules";
export * as rules from "./rules";
export * as wire from "./wire";
export * from "./routes";
