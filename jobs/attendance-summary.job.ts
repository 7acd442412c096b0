import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Municipality } from '../src/municipalities/municipality.entity';
import { recomputeAttendanceSummaries, type SummaryRecomputeResult } from '../src/schooling/attendance-summary.service';
import type { AttendanceSummaryJobData } from './queues';

/** Recomputes attendance_summary for one municipality. */
export async function runAttendanceSummaryJob(
  em: EntityManager,
  job: Pick<Job<AttendanceSummaryJobData>, 'data'>,
): Promise<SummaryRecomputeResult> {
  const municipality = await em.findOne(Municipality, { code: job.data.municipalityCode });
  // Retrying cannot make an unknown municipality appear.
  if (!municipality) throw new UnrecoverableError(`unknown municipality ${job.data.municipalityCode}`);
  return recomputeAttendanceSummaries(em, municipality.id);
}
