import type { SipResponse } from '@sipkit/parser';

/**
 * RFC 3261 §16.7 step 6: within the 4xx class, responses that tell the caller how to resubmit
 * the request (credentials, a body type, an extension, a complete address) are preferred.
 */
const RESUBMIT = new Set([401, 407, 415, 420, 484]);

/**
 * Whether `a` beats `b` for the response sent upstream, §16.7 step 6: any 6xx beats every other
 * class, else the lowest class wins. Within a class the RFC leaves the choice open ("MAY select
 * any response within that chosen class"); ours: in 4xx a response that affects resubmission
 * (401, 407, 415, 420, 484) beats one that does not, and otherwise the one that arrived first
 * stays (callers pass the finals in arrival order).
 */
function better(a: SipResponse, b: SipResponse | undefined): boolean {
  if (b === undefined) return true;
  const ca = Math.floor(a.status / 100);
  const cb = Math.floor(b.status / 100);
  if (ca !== cb) {
    if (cb === 6) return false;
    if (ca === 6) return true;
    return ca < cb;
  }
  return ca === 4 && RESUBMIT.has(a.status) && !RESUBMIT.has(b.status);
}

/**
 * The best final response of a response context (§16.7 step 6), from its final responses in the
 * order they arrived; undefined when there is none (the caller then sends 408).
 */
export function chooseBest(finals: readonly SipResponse[]): SipResponse | undefined {
  let best: SipResponse | undefined;
  for (const r of finals) if (better(r, best)) best = r;
  return best;
}
