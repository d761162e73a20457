// Small byte arrays carved from shared slabs. A Uint8Array of its own costs V8 a backing store
// outside the heap once it is above 64 bytes (about 0.7 µs to make and to collect, measured on
// Node 20), while a view on an existing ArrayBuffer costs a few dozen nanoseconds. Node's
// Buffer.allocUnsafe pools the same way, for the same reason. A slab lives as long as any view
// into it; slabs are never reused, so every view starts zeroed and no bytes leak between them.

const SLAB = 16384;
/** Larger arrays get a backing store of their own. */
const MAX_POOLED = 2048;

let slab = new ArrayBuffer(SLAB);
let used = 0;

/** A zeroed `Uint8Array` of `n` bytes, from the current slab when small. */
export function allocBytes(n: number): Uint8Array {
  if (n > MAX_POOLED) return new Uint8Array(n);
  if (used + n > SLAB) {
    slab = new ArrayBuffer(SLAB);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  // Views start 8-byte aligned, as an ArrayBuffer of their own would.
  used = (used + n + 7) & ~7;
  return out;
}
