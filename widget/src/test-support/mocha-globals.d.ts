/**
 * The mocha globals that @web/test-runner provides to test files (typed here: the workspace has no @types/mocha).
 */
interface MochaTestContext {
  skip(): never;
  timeout(ms: number): void;
}

declare function describe(title: string, body: (this: MochaTestContext) => void): void;
declare function it(title: string, body: (this: MochaTestContext) => void | Promise<void>): void;
declare function beforeEach(body: () => void | Promise<void>): void;
declare function afterEach(body: () => void | Promise<void>): void;
