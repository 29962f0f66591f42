// Jest runs CommonJS: our TypeScript and the ESM-only @xmpp/* packages (and ltx, which they use)
// are transformed by SWC. Types are checked separately by `tsc --noEmit` (npm test runs both).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  transform: {
    "^.+\\.(t|j|mj)s$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
      },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!(@xmpp|ltx)/)"],
  // Sources import "./x.js" as NodeNext requires; under Jest the .ts file is the module.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  // A suite that found no test is a failure, never a green run.
  passWithNoTests: false,
  testTimeout: 60000,
};
