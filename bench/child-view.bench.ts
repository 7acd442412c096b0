import { print } from 'graphql';
import { ChildViewDocument } from '../schema/client/graphql';
import { line, summarise, timed } from './stats';

const QUERY = print(ChildViewDocument);

async function request(url: string, id: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY, variables: { id } }),
  });
  const body = (await res.json()) as { data?: { child?: { id: string } }; errors?: unknown[] };
  if (!res.ok || body.errors || body.data?.child?.id !== id) throw new Error(`bad answer for ${id}: ${JSON.stringify(body).slice(0, 300)}`);
}

/** Child-view latency: sequential requests (latency) and a concurrent burst (throughput). */
export async function benchChildView(url: string, ids: string[], requests: number, concurrency: number): Promise<void> {
  const pick = (i: number) => ids[(i * 7919) % ids.length]; // spread over the population, deterministic
  for (let i = 0; i < 50; i++) await request(url, pick(i)); // warm-up: JIT, pools, plans

  const samples: number[] = [];
  for (let i = 0; i < requests; i++) samples.push((await timed(() => request(url, pick(i)))).ms);
  const s = summarise(samples);
  line(`child view, sequential (${s.n} requests)`, `median ${s.median.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms`);

  let next = 0;
  const burst: number[] = [];
  const { ms } = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const i = next++;
          burst.push((await timed(() => request(url, pick(i)))).ms);
        }
      }),
    ),
  );
  const b = summarise(burst);
  line(`child view, ${concurrency} concurrent (${b.n} requests)`, `${((b.n / ms) * 1000).toFixed(0)} req/s, median ${b.median.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms`);
}
