import type { MemoryLocationService } from '@sipkit/registrar';

/**
 * Expired bindings leave a memory location store once a second. The store files each binding
 * under its expiry second and drops it only when swept; reads never return an expired binding
 * either way, but without sweeping every REGISTER would leave an entry behind for good.
 *
 * @param location - the store to sweep
 * @returns the timer (unref'd), to clear on close
 */
export function sweepEverySecond(location: MemoryLocationService): ReturnType<typeof setInterval> {
  const timer = setInterval(() => void location.sweep(Date.now()), 1000);
  timer.unref();
  return timer;
}
