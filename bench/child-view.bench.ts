import { print } from 'graphql';
import { ChildViewDocument } from '../schema/client/graphql';
import { line, percentile, summarise, timed } from './stats';

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

const pick = (targets: ChildTarget[], i: number) => targets[(i * 7919) % targets.length]; // spread over the population, deterministic

/** `requests` requests from `concurrency` clients at once; the latencies and the rate. */
async function burst(url: string, targets: ChildTarget[], requests: number, concurrency: number, offset = 0): Promise<{ latencies: number[]; throughput: number }> {
  let next = 0;
  const latencies: number[] = [];
  const { ms } = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const i = offset + next++;
          latencies.push((await timed(() => request(url, pick(targets, i)))).ms);
        }
      }),
    ),
  );
  return { latencies, throughput: (latencies.length / ms) * 1000 };
}

/** Child-view latency: sequential requests (latency) and a concurrent burst (throughput). */
export async function benchChildView(label: string, url: string, targets: ChildTarget[], requests: number, concurrency: number): Promise<ChildViewFigures> {
  for (let i = 0; i < 50; i++) await request(url, pick(targets, i)); // warm-up: JIT, pools, plans

  const samples: number[] = [];
  for (let i = 0; i < requests; i++) samples.push((await timed(() => request(url, pick(targets, i)))).ms);
  const s = summarise(samples);
  line(`child view ${label}, sequential (${s.n} requests)`, `median ${s.median.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms`);

  const { latencies, throughput } = await burst(url, targets, requests, concurrency);
  const b = summarise(latencies);
  line(`child view ${label}, ${concurrency} concurrent (${b.n} requests)`, `${throughput.toFixed(0)} req/s, median ${b.median.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms`);
  return { median: s.median, p99: s.p99, throughput, burstP99: b.p99 };
}

export interface ViewServer {
  url: string;
  targets: ChildTarget[];
}

/**
 * Throughput of server `a` as a share of server `b`, measured in alternating rounds (a b, b a,
 * …): a change in the host's speed during the run (other tenants, CPU steal) then hits both
 * sides alike. Run one after the other, the same comparison swung between 58 % and 151 % here.
 */
export async function compareThroughput(
  a: ViewServer,
  b: ViewServer,
  requests: number,
  concurrency: number,
  rounds = 6,
): Promise<{ median: number; min: number; max: number; p99a: number; p99b: number }> {
  const per = Math.max(concurrency, Math.floor(requests / rounds));
  const ratios: number[] = [];
  const latencies = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const run = async (side: ViewServer, into: number[]) => {
      const result = await burst(side.url, side.targets, per, concurrency, r * per);
      into.push(...result.latencies);
      return result.throughput;
    };
    let ra: number;
    let rb: number;
    if (r % 2 === 0) {
      ra = await run(a, latencies.a);
      rb = await run(b, latencies.b);
    } else {
      rb = await run(b, latencies.b);
      ra = await run(a, latencies.a);
    }
    ratios.push(ra / rb);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  return { median: percentile(sorted, 50), min: sorted[0], max: sorted.at(-1)!, p99a: summarise(latencies.a).p99, p99b: summarise(latencies.b).p99 };
}
