import { connect } from 'node:net';

import { ServiceProcess } from '../support/service-process';
import { uniqueRoom } from '../support/test-app';

/** Sends a POST whose body arrives in two parts, `delayMs` apart; resolves with the reply. */
function slowPost(port: number, body: string, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const head =
        'POST /api/v1/message HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
      socket.write(head + body.slice(0, 5));
      setTimeout(() => socket.write(body.slice(5)), delayMs);
    });
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

describe('Graceful shutdown', () => {
  it('finishes a request in flight on SIGTERM, then exits cleanly', async () => {
    const service = await ServiceProcess.start({ TRIGGERS_ENABLED: 'false' });
    try {
      const room = uniqueRoom('shutdown');
      const body = JSON.stringify({ room, user: 'alice', text: 'in flight' });
      const reply = slowPost(service.port, body, 1000);

      await new Promise((resolve) => setTimeout(resolve, 300));
      service.signal('SIGTERM');

      expect((await reply).split('\r\n')[0]).toBe('HTTP/1.1 201 Created');
      // Nest re-raises the signal once it has closed everything, as a process should.
      expect(await service.exit()).toEqual({ code: null, signal: 'SIGTERM' });
      expect(service.output.join('')).toMatch(/Shutting down on SIGTERM/);
    } finally {
      await service.stop();
    }
  });
});
