import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SerialRuns } from './serial-runs';

/** Work that takes `ms` and records when each run started and ended. */
function slowWork(ms: number) {
  const runs: { start: number; end?: number }[] = [];
  const work = async () => {
    const run: { start: number; end?: number } = { start: performance.now() };
    runs.push(run);
    await sleep(ms);
    run.end = performance.now();
    return runs.length;
  };
  return { runs, work };
}

describe(SerialRuns.name, () => {
  it('starts a run asked for during another after it, never beside it', async () => {
    const { runs, work } = slowWork(50);
    const serial = new SerialRuns(work, () => undefined);

    const results = await Promise.all([serial.runNow(), serial.runNow(), serial.runNow()]);

    expect(results).toEqual([1, 2, 3]);
    for (let i = 1; i < runs.length; i += 1) expect(runs[i].start).toBeGreaterThanOrEqual(runs[i - 1].end!);
  });

  it('skips the timer ticks that find a run going, so slow runs do not pile up, and stop() waits for the last', async () => {
    const { runs, work } = slowWork(100);
    const serial = new SerialRuns(work, () => undefined);

    serial.every(10, { now: true });
    await sleep(250);
    await serial.stop();

    // About 25 ticks fell in those 250 ms; at 100 ms a run, at most three could start.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
    expect(runs.every((run) => run.end !== undefined)).toBe(true);
  });

  it("hands a timer run's failure to onError and keeps running", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const serial = new SerialRuns(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('first fails')) : Promise.resolve(calls);
      },
      (error) => errors.push(error),
    );

    serial.every(20, { now: true });
    await sleep(70);
    await serial.stop();

    expect(errors).toEqual([new Error('first fails')]);
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
