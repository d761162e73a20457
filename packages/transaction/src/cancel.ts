import { createRequest, type SipRequest } from '@sipkit/parser';

/**
 * The CANCEL for an INVITE sent in a client transaction (RFC 3261 §9.1): the INVITE's
 * Request-URI, Call-ID, To, From, CSeq number (method CANCEL), its top Via only (the same branch,
 * so it reaches the same server transaction) and its Route header fields. Send it with
 * `TransactionLayer.request` to the INVITE's target, and only once a provisional response has
 * arrived (§9.1).
 *
 * @param invite - the INVITE as sent (`ClientTransaction.request`)
 * @returns the CANCEL request
 * @public
 */
export function createCancel(invite: SipRequest): SipRequest {
  const headers: [string, string][] = [['Via', invite.topVia?.toString() ?? '']];
  for (const r of invite.getAll('Route')) headers.push(['Route', r]);
  headers.push(['Max-Forwards', '70']);
  for (const name of ['From', 'To', 'Call-ID'] as const) headers.push([name, invite.get(name) ?? '']);
  headers.push(['CSeq', `${invite.cseq?.seq ?? 1} CANCEL`]);
  return createRequest({ method: 'CANCEL', uri: invite.uri, headers });
}
