import { isIP } from 'node:net';
import { TransportError } from '@sipkit/transport';

/** The address a listener binds: an IP literal (default 127.0.0.1), or a TransportError naming it. */
export function listenHost(kind: string, host: string | undefined): string {
  const h = host ?? '127.0.0.1';
  if (isIP(h) === 0)
    throw new TransportError('NO_TRANSPORT', `${kind} host must be an IP address, got ${JSON.stringify(h)}`);
  return h;
}
