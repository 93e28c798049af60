/**
 * One piece of background work (sealing, retention) run on a timer and on demand, never twice at once: a run asked
 * for while one is going starts after it, because the one going may have started before what the caller waits for.
 */
export class SerialRuns<T> {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly work: () => Promise<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  runNow(): Promise<T> {
    const next = this.running.catch(() => undefined).then(this.work);
    this.running = next;
    return next;
  }

  /** Every intervalMs from now on (and at once, if asked); errors go to onError and the next run happens all the same. */
  every(intervalMs: number, options: { now?: boolean } = {}): void {
    const run = () => void this.runNow().catch(this.onError);
    if (options.now) run();
    this.timer = setInterval(run, intervalMs);
  }

  /** Stops the timer and waits for the run in progress, so the database is not closed under it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }
}
