/**
 * One piece of background work (sealing, retention, the sweeper, work notes, shared rate-limit counts) run on a timer
 * and on demand, never twice at once in this process. A run asked for while one is going starts after it, because the
 * one going may have started before what the caller waits for. A timer tick that finds a run going is skipped: runs
 * slower than their interval must not pile up behind each other.
 */
export class SerialRuns<T> {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private busy = 0;

  constructor(
    private readonly work: () => Promise<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  runNow(): Promise<T> {
    this.busy += 1;
    const next = this.running
      .catch(() => undefined)
      .then(this.work)
      .finally(() => {
        this.busy -= 1;
      });
    this.running = next;
    return next;
  }

  /** Every intervalMs from now on (and at once, if asked); errors go to onError and the next run happens all the same. */
  every(intervalMs: number, options: { now?: boolean } = {}): void {
    const run = () => {
      if (this.busy === 0) void this.runNow().catch(this.onError);
    };
    if (options.now) run();
    // The timer alone never keeps the process alive: the server does, and shutdown calls stop().
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the runs asked for so far, so the database is not closed under them. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }
}
