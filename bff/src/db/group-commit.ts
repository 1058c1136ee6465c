/** What one job of a group came to: its own value or its own error. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<J> {
  /** Groups being written at once; more jobs wait and join the next group. */
  maxInFlight: number;
  /** Jobs per group, at most. */
  maxJobs: number;
  /** The weight of a group (e.g. its events), at most; a job heavier than this still goes, alone. */
  maxWeight: number;
  weight(job: J): number;
}

/**
 * Group commit: jobs submitted while `maxInFlight` groups are being written are gathered and written together by
 * the next `write` (one transaction for many requests), each answered with its own result once its group is done.
 * An idle queue writes a job at once, so a lone request waits for nothing; under load a group holds whatever
 * arrived during the previous write, which bounds both the wait (one write) and the size (`maxJobs`, `maxWeight`).
 */
export class GroupCommit<J, R> {
  private readonly queue: { job: J; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (jobs: J[]) => Promise<Settled<R>[]>,
    private readonly options: GroupCommitOptions<J>,
  ) {}

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  /** Jobs waiting for a group, for tests and metrics. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const group = [this.queue.shift()!];
      let weight = this.options.weight(group[0]!.job);
      while (group.length < this.options.maxJobs && this.queue.length > 0) {
        const next = this.options.weight(this.queue[0]!.job);
        if (weight + next > this.options.maxWeight) break;
        weight += next;
        group.push(this.queue.shift()!);
      }
      this.inFlight += 1;
      this.write(group.map((g) => g.job))
        .then(
          (settled) =>
            group.forEach((g, i) => {
              const s = settled[i];
              if (!s) g.reject(new Error('group commit: no result for a job'));
              else if (s.ok) g.resolve(s.value);
              else g.reject(s.error);
            }),
          (error: unknown) => group.forEach((g) => g.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
