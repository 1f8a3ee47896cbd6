import Mocha from "mocha";

/**
 * Mocha's spec output plus one plain closing line, "mocha: N passed, N failed,
 * N skipped", that CI systems read without knowing mocha's own summary.
 */
class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      // After the spec reporter's own epilogue, which it prints on the same event.
      process.nextTick(() => console.log(`mocha: ${passes} passed, ${failures} failed, ${pending} skipped`));
    });
  }
}

export = SpecWithSummary;
