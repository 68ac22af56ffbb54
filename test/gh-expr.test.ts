/** The GitHub Actions expression subset test/support/workflow-runner.ts evaluates (the workflows' `if:`s included). */
import { evalCondition, evalExpr, interpolate } from "./support/gh-expr";

const ctx = (status: "success" | "failure" = "success") => ({
  status,
  contexts: {
    github: { event: { action: "closed", pull_request: { number: 12, head: { repo: { full_name: "Acme/Infra" } } } }, repository: "acme/infra" },
    env: { STACK: "prod" },
    steps: { preview: { outputs: { status: "0" }, outcome: "failure" } },
    secrets: {},
    vars: {},
  },
});

test("operators, literals, case-insensitive string equality, property access", () => {
  expect(evalExpr("github.event.pull_request.head.repo.full_name == github.repository", ctx())).toBe(true);
  expect(evalExpr("github.event.action != 'closed' && true", ctx())).toBe(false);
  expect(evalExpr("github.event.action == 'closed' || 'x'", ctx())).toBe(true);
  expect(evalExpr("vars.MISSING || 'default'", ctx())).toBe("default");
  expect(evalExpr("steps.preview.outputs.status != '0'", ctx())).toBe(false);
  expect(evalExpr("github.event['pull_request'].number >= 12", ctx())).toBe(true);
  expect(evalExpr("!(1 == '1')", ctx())).toBe(false);
  expect(evalExpr("format('pr-{0}-{1}', github.event.pull_request.number, 'x')", ctx())).toBe("pr-12-x");
  expect(evalExpr("contains(fromJSON('[\"a\",\"b\"]'), 'B') && startsWith('Hello', 'he')", ctx())).toBe(true);
  expect(interpolate("pr-${{ github.event.pull_request.number }} on ${{ env.STACK }}${{ vars.NONE }}", ctx())).toBe("pr-12 on prod");
  expect(() => evalExpr("hashFiles('x')", ctx())).toThrow(/not supported/);
  expect(() => evalExpr("a ==", ctx())).toThrow();
});

test("conditions: implicit success(), status functions, ${{ }} wrapping, booleans", () => {
  expect(evalCondition(undefined, ctx("failure"))).toBe(false);
  expect(evalCondition("${{ !cancelled() }}", ctx("failure"))).toBe(true);
  expect(evalCondition("always()", ctx("failure"))).toBe(true);
  expect(evalCondition("failure() && env.STACK == 'prod'", ctx("failure"))).toBe(true);
  expect(evalCondition("env.STACK == 'prod'", ctx("failure"))).toBe(false); // success() && …
  expect(evalCondition("env.STACK == 'prod'", ctx())).toBe(true);
  expect(evalCondition("${{ github.event.action == 'closed' }}", ctx())).toBe(true);
  expect(evalCondition(true, ctx())).toBe(true);
});
