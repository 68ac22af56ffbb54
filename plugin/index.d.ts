// Types of `require("pulumi-chaser/plugin")` (see index.js).
export * from "../dist/sdk/nodejs/plugin";
