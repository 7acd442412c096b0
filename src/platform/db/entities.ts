import { AuditEvent } from '../../audit/audit-event.entity';
import { CaseContact } from '../../children/case-contact.entity';
import { Child } from '../../children/child.entity';
import { CustodyHolder } from '../../children/custody-holder.entity';
import { Placement } from '../../children/placement.entity';
import { ConsentEvent } from '../../consent/consent-event.entity';
import { ConsentProvision } from '../../consent/consent-provision.entity';
import { Consent } from '../../consent/consent.entity';
import { IdentityLink } from '../../identity/identity-link.entity';
import { IdentityRejection } from '../../identity/identity-rejection.entity';
import { PupilRecord } from '../../identity/pupil-record.entity';
import { Municipality } from '../../municipalities/municipality.entity';
import { PartnerApp } from '../../partners/partner-app.entity';
import { AttendanceDay } from '../../schooling/attendance-day.entity';
import { AttendanceSummaryPending } from '../../schooling/attendance-summary-pending.entity';
import { AttendanceSummary } from '../../schooling/attendance-summary.entity';
import { Enrollment } from '../../schooling/enrollment.entity';
import { Grade } from '../../schooling/grade.entity';
import { Intervention } from '../../schooling/intervention.entity';
import { SchoolCalendarDay } from '../../schooling/school-calendar-day.entity';
import { School } from '../../schooling/school.entity';
import { Wellbeing } from '../../schooling/wellbeing.entity';
import { QuarantinedRecord } from '../../sources/quarantined-record.entity';
import { SourceSystem } from '../../sources/source-system.entity';
import { SyncRun } from '../../sources/sync-run.entity';
import { SyncSeen } from '../../sources/sync-seen.entity';
import { SyncState } from '../../sources/sync-state.entity';
import { SourcedEntity } from './sourced-entity';

/** Every entity, listed explicitly (no folder scanning: the same list works from src and dist). */
export const ENTITIES = [
  SourcedEntity,
  Municipality,
  SourceSystem,
  SyncRun,
  SyncState,
  SyncSeen,
  QuarantinedRecord,
  Child,
  Placement,
  CaseContact,
  CustodyHolder,
  School,
  SchoolCalendarDay,
  Enrollment,
  AttendanceDay,
  AttendanceSummary,
  AttendanceSummaryPending,
  Grade,
  Wellbeing,
  Intervention,
  IdentityLink,
  IdentityRejection,
  PupilRecord,
  PartnerApp,
  Consent,
  ConsentProvision,
  ConsentEvent,
  AuditEvent,
];
