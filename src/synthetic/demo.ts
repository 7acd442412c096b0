import { Child } from '../children/child.entity';
import type { Runtime } from '../platform/runtime';
import { generatePopulation } from './generator';
import { seedPopulation } from './seed';

export const DEMO_SEED = 2026;

export async function seedCommand(rt: Runtime, children: number, seed: number): Promise<void> {
  const r = await seedPopulation(rt.orm.em.fork(), generatePopulation({ seed, children }), rt.config.CPR_HMAC_KEY);
  console.log(`seeded ${r.children} children, ${r.attendanceDays} attendance days, ${r.schools} schools in ${r.seconds.toFixed(1)} s`);
}

/** `npm start` on an empty database fills it with synthetic demo data (never real people). */
export async function seedDemoIfEmpty(rt: Runtime): Promise<void> {
  const em = rt.orm.em.fork();
  if ((await em.count(Child, {})) > 0) return;
  console.log(`Empty database: generating ${rt.config.DEMO_CHILDREN} synthetic children (seed ${DEMO_SEED})…`);
  await seedCommand(rt, rt.config.DEMO_CHILDREN, DEMO_SEED);
}
