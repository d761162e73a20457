import { createResponse, parseMessage, type SipRequest, type SipResponse, serialize } from '@sipkit/parser';
import { describe, expect, it } from 'vitest';
import { isOwnVia, responseDestination, stampReceived } from '../src/index.js';

const request = (via: string) =>
  parseMessage(
    `INVITE sip:bob@biloxi.com SIP/2.0\r\nVia: ${via}\r\nVia: SIP/2.0/UDP second.example.com;branch=z9hG4bK2\r\nTo: <sip:bob@biloxi.com>\r\nFrom: <sip:alice@atlanta.com>;tag=1\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`,
  ) as SipRequest;

describe('RFC 3261 §18.2.1: the server marks where a request came from', () => {
  it('adds received when the sent-by host is not the source address', () => {
    const req = request('SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7');
    expect(stampReceived(req, { address: '192.0.2.4', port: 5060 })).toBe(true);
    expect(req.getAll('Via')[0]).toBe('SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4');
    expect(req.vias.map((v) => v.host)).toEqual(['bobspc.biloxi.com', 'second.example.com']);
  });

  it('leaves the Via byte-identical when the sent-by host is the source address', () => {
    const req = request('SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK1');
    const before = serialize(req);
    expect(stampReceived(req, { address: '192.0.2.4', port: 5060 })).toBe(false);
    expect(serialize(req)).toEqual(before);
  });

  it('leaves the Via byte-identical when it already carries received with the source address', () => {
    const req = request('SIP/2.0/UDP bobspc.biloxi.com;branch=z9hG4bK1;received=192.0.2.4');
    const before = serialize(req);
    expect(stampReceived(req, { address: '192.0.2.4', port: 5060 })).toBe(false);
    expect(serialize(req)).toEqual(before);
  });

  it('replaces a received that names another address, keeping the order of the other params', () => {
    const req = request('SIP/2.0/UDP bobspc.biloxi.com;received=198.51.100.1;branch=z9hG4bK1;rport');
    expect(stampReceived(req, { address: '192.0.2.4', port: 35000 })).toBe(true);
    expect(req.getAll('Via')[0]).toBe('SIP/2.0/UDP bobspc.biloxi.com;received=192.0.2.4;branch=z9hG4bK1;rport=35000');
  });

  it('fills an empty rport with the source port and adds received even for the same address (RFC 3581 §4)', () => {
    const req = request('SIP/2.0/UDP 192.0.2.4:5060;rport;branch=z9hG4bK1');
    stampReceived(req, { address: '192.0.2.4', port: 35000 });
    expect(req.topVia?.received).toBe('192.0.2.4');
    expect(req.topVia?.rport).toBe(35000);
  });
});

describe('RFC 3261 §18.2.2: where the response goes', () => {
  const response = (via: string) => createResponse(request(via), 200, { toTag: 't' }) as SipResponse;

  it('uses the same connection on a reliable transport', () => {
    expect(responseDestination(response('SIP/2.0/TCP h.example.com;branch=z9hG4bK1;received=192.0.2.4'))).toEqual({
      protocol: 'tcp',
      sameConnection: true,
      address: '192.0.2.4',
      port: 5060,
    });
  });

  it('sends to maddr when present, with its ttl', () => {
    expect(responseDestination(response('SIP/2.0/UDP h;branch=z9hG4bK1;maddr=239.255.255.1;ttl=1'))).toEqual({
      protocol: 'udp',
      sameConnection: false,
      address: '239.255.255.1',
      port: 5060,
      ttl: 1,
    });
  });

  it('sends to received at the sent-by port, or at rport when the client asked for it (RFC 3581 §4)', () => {
    expect(responseDestination(response('SIP/2.0/UDP h:5070;branch=z9hG4bK1;received=192.0.2.4'))).toMatchObject({
      address: '192.0.2.4',
      port: 5070,
    });
    expect(
      responseDestination(response('SIP/2.0/UDP h:5070;branch=z9hG4bK1;received=192.0.2.4;rport=35000')),
    ).toMatchObject({
      address: '192.0.2.4',
      port: 35000,
    });
  });

  it('sends to the sent-by host and port otherwise, 5061 by default for TLS', () => {
    expect(responseDestination(response('SIP/2.0/UDP [2001:db8::9];branch=z9hG4bK1'))).toMatchObject({
      address: '2001:db8::9',
      port: 5060,
    });
    expect(responseDestination(response('SIP/2.0/TLS h.example.com;branch=z9hG4bK1'))).toMatchObject({
      address: 'h.example.com',
      port: 5061,
    });
  });
});

describe('RFC 3261 §18.1.2: a client keeps only responses to its own Via', () => {
  it('matches host (any case) and port, an absent port being the default', () => {
    const res = parseMessage(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP PC33.atlanta.com;branch=z9hG4bK1\r\n\r\n',
    ) as SipResponse;
    expect(isOwnVia(res, { host: 'pc33.atlanta.com', port: 5060 })).toBe(true);
    expect(isOwnVia(res, { host: 'pc33.atlanta.com', port: 5070 })).toBe(false);
    expect(isOwnVia(res, { host: 'proxy.atlanta.com', port: 5060 })).toBe(false);
  });
});
