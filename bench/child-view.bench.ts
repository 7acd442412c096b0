import { print } from 'graphql';
import { ChildViewDocument } from '../schema/client/graphql';
import { line, summarise, timed } from './stats';

const QUERY = print(ChildViewDocument);

/** One child to ask for and the headers (token) of an app allowed to see it. */
export interface ChildTarget {
  id: string;
  headers: Record<string, string>;
}

async function request(url: string, target: ChildTarget): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify({ query: QUERY, variables: { id: target.id } }),
  });
  const body = (await res.json()) as { data?: { child?: { id: string } }; errors?: unknown[] };
  if (!res.ok || body.errors || body.data?.child?.id !== target.id) throw new Error(`bad answer for ${target.id}: ${JSON.stringify(body).slice(0, 300)}`);
}

export interface ChildViewFigures {
  median: number;
  p99: number;
  throughput: number;
  burstP99: number;
}

/** Child-view latency: sequential requests (latency) and a concurrent burst (throughput). */
export async function benchChildView(label: string, url: string, targets: ChildTarget[], requests: number, concurrency: number): Promise<ChildViewFigures> {
  const pick = (i: number) => targets[(i * 7919) % targets.length]; // spread over the population, deterministic
  for (let i = 0; i < 50; i++) await request(url, pick(i)); // warm-up: JIT, pools, plans

  const samples: number[] = [];
  for (let i = 0; i < requests; i++) samples.push((await timed(() => request(url, pick(i)))).ms);
  const s = summarise(samples);
  line(`child view ${label}, sequential (${s.n} requests)`, `median ${s.median.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms`);

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
  const throughput = (b.n / ms) * 1000;
  line(`child view ${label}, ${concurrency} concurrent (${b.n} requests)`, `${throughput.toFixed(0)} req/s, median ${b.median.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms`);
  return { median: s.median, p99: s.p99, throughput, burstP99: b.p99 };
}
