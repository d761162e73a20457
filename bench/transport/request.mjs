// The OPTIONS request the transport benchmarks send (run.mjs over sockets, layer.mjs in process),
// over the transport named in its Via.
export const request = (transport) =>
  Buffer.from(
    'OPTIONS sip:bench@127.0.0.1 SIP/2.0\r\n' +
      `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bKbench1;rport\r\n` +
      'Max-Forwards: 70\r\n' +
      'To: <sip:bench@127.0.0.1>\r\n' +
      'From: <sip:load@127.0.0.1>;tag=load\r\n' +
      'Call-ID: bench-call-id@127.0.0.1\r\n' +
      'CSeq: 1 OPTIONS\r\n' +
      'Content-Length: 0\r\n\r\n',
  );
