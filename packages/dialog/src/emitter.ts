/**
 * A small typed event emitter: `on` returns a function that removes the listener. Listeners'
 * exceptions are caught and handed to `onError`, so one bad listener cannot break the stack.
 *
 * @public
 */
export class Emitter<Events extends Record<string, unknown[]>> {
  readonly #listeners = new Map<keyof Events, Set<(...args: unknown[]) => void>>();
  /** Told of exceptions thrown by listeners. */
  onError: (error: unknown) => void = () => {};

  /**
   * Adds a listener.
   *
   * @param event - event name
   * @param listener - called with the event's arguments
   * @returns a function that removes it
   */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as unknown as (...args: unknown[]) => void);
    return () => set.delete(listener as unknown as (...args: unknown[]) => void);
  }

  /**
   * Calls every listener of `event`.
   *
   * @param event - event name
   * @param args - its arguments
   * @returns whether anyone listened
   */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return false;
    for (const l of [...set]) {
      try {
        l(...args);
      } catch (e) {
        this.onError(e);
      }
    }
    return true;
  }
}
