/** Time, injected so tests can move it (session expiry, month boundaries). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
