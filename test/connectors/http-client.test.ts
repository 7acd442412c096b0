import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_HTTP_OPTIONS, HttpClient } from '../../connectors/http';

/** The per-source limits of connectors/http.ts, against a real loopback server. */
describe('HttpClient', () => {
  let server: Server;
  let url: string;
  let inFlight = 0;
  let peak = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, 30);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    peak = 0;
  });

  it.each([1, 3])('keeps at most %i request(s) in flight to the source', async (limit) => {
    const client = new HttpClient({ ...DEFAULT_HTTP_OPTIONS, maxConcurrentRequests: limit });
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.json<{ ok: boolean }>(url)));
    expect(answers).toEqual(Array(8).fill({ ok: true }));
    expect(peak).toBe(limit);
  });

  it('lets an aborted waiter go without taking a slot', async () => {
    const client = new HttpClient({ ...DEFAULT_HTTP_OPTIONS, maxConcurrentRequests: 1 });
    const running = client.json(url);
    const abort = new AbortController();
    const waiting = client.json(url, { signal: abort.signal });
    abort.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await running;
    await expect(client.json(url)).resolves.toEqual({ ok: true });
    expect(peak).toBe(1);
  });
});
