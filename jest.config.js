/** Unit, conformance and hook tests run in parallel; engine tests (test/engine) run alone, in band. */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.test.json", diagnostics: false }];
module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/engine/"],
    },
    {
      displayName: "engine",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/test/engine/**/*.test.ts"],
    },
  ],
};
