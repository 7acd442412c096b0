import { matchSourcePupils, matchThresholds, type IdentityMatchCounts } from '../src/identity/identity-matching.service';
import { seedMatchingPopulation } from '../src/identity/identity-matching.synthetic';
import { formatMatchingBench, runMatchingBench } from '../src/identity/matching/bench-matching';
import { rawQuery } from '../src/platform/db/bulk';
import { line, timed } from './stats';
import { withDatabase } from './sync.bench';

// Identity matching: N hub children against M school pupil records, end to end through
// PostgreSQL (matchSourcePupils per school source: load the waiting records and candidate
// children, decide, write links / proposals / deletions in one transaction), then the pure
// in-memory core on the same sizes (src/identity/matching/bench-matching.ts) for comparison.

export interface IdentityBenchOptions {
  adminUrl: string;
  children: number;
  pupils: number;
  seed?: number;
}

export async function benchIdentity(opts: IdentityBenchOptions): Promise<void> {
  const seed = opts.seed ?? 7;
  await withDatabase(opts.adminUrl, 'identity', async (rt) => {
    const staged = await timed(() => seedMatchingPopulation(rt.orm.em.fork(), { seed, children: opts.children, pupils: opts.pupils, cprKey: rt.config.CPR_HMAC_KEY }));
    const pop = staged.value;
    // This machine's PostgreSQL runs without autovacuum: give the planner the statistics production would have.
    await rt.orm.em.getConnection().execute('analyze');
    const { rows: [pre] } = await rawQuery<{ records: string; linked: string }>(
      rt.orm.em.fork(),
      `select (select count(*) from pupil_record) as records,
              (select count(*) from identity_link l join source_system s on s.id = l.source_system_id where s.kind = 'edfi' and l.status = 'linked') as linked`,
      [],
    );
    line(
      `identity: staged ${pop.pupils.length} pupils for ${pop.hubChildren.length} children`,
      `${(staged.ms / 1000).toFixed(1)} s (generate + SchoolWriter into ${pop.schoolSources.size} school sources; it links ${pre.linked} by CPR/UNI-Login at once)`,
    );

    const counts: IdentityMatchCounts[] = [];
    const run = await timed(async () => {
      for (const sourceId of pop.schoolSources.values()) {
        const r = await matchSourcePupils(rt.orm.em.fork(), sourceId, matchThresholds(rt.config));
        if (r.kind === 'matched') counts.push(r.counts);
      }
    });
    const sum = (f: (c: IdentityMatchCounts) => number) => counts.reduce((n, c) => n + f(c), 0);
    const seconds = run.ms / 1000;
    line(
      `identity match, ${pop.hubChildren.length} children × ${pop.pupils.length} records (DB)`,
      `${seconds.toFixed(2)} s end to end, ${Math.round(pop.pupils.length / seconds)} records/s ` +
        `(load ${(sum((c) => c.ms.load) / 1000).toFixed(2)} s · decide ${(sum((c) => c.ms.match) / 1000).toFixed(2)} s · write ${(sum((c) => c.ms.write) / 1000).toFixed(2)} s)`,
    );
    line(
      '  decisions',
      `${sum((c) => c.considered)} decided: linked cpr ${sum((c) => c.linked.cpr)} · uni_login ${sum((c) => c.linked.uni_login)} · probabilistic ${sum((c) => c.linked.probabilistic)} · ` +
        `pending review ${sum((c) => c.pendingReview)} · unlinked (deleted) ${sum((c) => c.unlinked)}; ${Number(pre.records) - sum((c) => c.considered)} already linked at staging`,
    );

    // Against the generator's truth: every automatic link, the staging's deterministic ones included.
    const truth = new Map(pop.pupils.map((p) => [p.externalId, p.truth.childIndex === null ? null : pop.childIds.get(pop.hubChildren[p.truth.childIndex].id)]));
    const { rows: links } = await rawQuery<{ external_id: string; child_id: string }>(
      rt.orm.em.fork(),
      `select l.external_id, l.child_id from identity_link l join source_system s on s.id = l.source_system_id where s.kind = 'edfi' and l.status = 'linked'`,
      [],
    );
    const wrong = links.filter((l) => truth.get(l.external_id) !== l.child_id).length;
    const truePupils = pop.pupils.filter((p) => p.truth.childIndex !== null).length;
    line('  quality', `wrong automatic links ${wrong} · recall of automatic links ${((100 * (links.length - wrong)) / truePupils).toFixed(1)} % of ${truePupils} hub children's records`);

    const again = await timed(async () => {
      for (const sourceId of pop.schoolSources.values()) await matchSourcePupils(rt.orm.em.fork(), sourceId, matchThresholds(rt.config));
    });
    line('  re-run with nothing waiting', `${again.ms.toFixed(0)} ms`);
  });

  const pure = runMatchingBench({ seed, children: opts.children, pupils: opts.pupils });
  console.log(['pure core, in memory (same sizes, no database):', ...formatMatchingBench(pure)].join('\n'));
}
