import type { CaseContactRole } from '../children/case-contact.entity';
import type { PlacementType } from '../children/placement.entity';
import type { AttendanceStatus } from '../schooling/attendance-status';
import type { GradeKind, SevenStepGrade } from '../schooling/grade-scale';
import type { WellbeingIndicator } from '../schooling/wellbeing.entity';

/**
 * What a connector's mapper produces: rows of the canonical model, still keyed by the
 * source's own ids (the writer resolves children through identity links). CPR numbers are
 * already hashed here: a clear CPR number never leaves the mapper.
 */
export type CanonicalRecord =
  | { target: 'child'; externalId: string; cprHmac: string; firstName: string; lastName: string; birthDate: string; sourceUpdatedAt: string | null }
  | {
      target: 'placement';
      externalId: string;
      childExternalId: string;
      type: PlacementType;
      placeName: string;
      legalBasis: string;
      startDate: string;
      endDate: string | null;
      sourceUpdatedAt: string | null;
    }
  | {
      target: 'case_contact';
      externalId: string;
      childExternalId: string;
      role: CaseContactRole;
      name: string;
      organisation: string | null;
      email: string | null;
      phone: string | null;
      startDate: string;
      endDate: string | null;
      sourceUpdatedAt: string | null;
    }
  | {
      target: 'custody_holder';
      externalId: string;
      childExternalId: string;
      name: string;
      relation: string;
      cprHmac: string | null;
      sourceUpdatedAt: string | null;
    }
  // ── School data. `childExternalId` is the pupil's id in the school source. ──
  | {
      /**
       * A pupil of a school system. Only pupils that identify a child already in the hub — by
       * CPR hash, or by a UNI-Login id already linked — are kept (data minimisation); the
       * others, and every record about them, are dropped and counted, never stored.
       */
      target: 'pupil';
      externalId: string;
      cprHmac: string | null;
      uniLoginId: string | null;
      /** Names and birth date, when the school system sends them (used for matching, not stored). */
      firstName: string | null;
      lastName: string | null;
      birthDate: string | null;
      sourceUpdatedAt: string | null;
    }
  | { target: 'school'; externalId: string; institutionNumber: string; name: string; sourceUpdatedAt: string | null }
  | {
      target: 'enrollment';
      externalId: string;
      childExternalId: string;
      /** Institutionsnummer of the school (a `school` record of the same source, or already known). */
      institutionNumber: string;
      gradeLevel: number;
      className: string | null;
      startDate: string;
      endDate: string | null;
      sourceUpdatedAt: string | null;
    }
  | {
      /** One school day: at most one per child and date (the Danish whole-day registration). */
      target: 'attendance_day';
      externalId: string;
      childExternalId: string;
      date: string;
      status: AttendanceStatus;
      note: string | null;
      sourceUpdatedAt: string | null;
    }
  | {
      target: 'grade';
      externalId: string;
      childExternalId: string;
      subject: string;
      kind: GradeKind;
      value: SevenStepGrade;
      gradeDate: string;
      /** "2025/26". */
      schoolYear: string;
      sourceUpdatedAt: string | null;
    }
  | {
      target: 'wellbeing';
      externalId: string;
      childExternalId: string;
      indicator: WellbeingIndicator;
      /** 1.00–5.00. */
      score: number;
      surveyYear: number;
      sourceUpdatedAt: string | null;
    }
  | { target: 'deletion'; of: CanonicalTarget; externalId: string };

export type CanonicalTarget = Exclude<CanonicalRecord['target'], 'deletion'>;
export type CanonicalRow<T extends CanonicalTarget> = Extract<CanonicalRecord, { target: T }>;

export type MapResult =
  | { ok: true; records: CanonicalRecord[] }
  | {
      ok: false;
      reason: string;
      externalId?: string;
      /**
       * For school records: the pupil the broken record is about, as far as it can be read. If
       * that pupil is not a child in the hub (no link from this source, no child with that CPR
       * hash, no linked UNI-Login) the record is dropped and counted like any other record about
       * an unlinked pupil — minimisation holds for broken records too.
       */
      pupil?: PupilRef;
    };

export interface PupilRef {
  externalId: string;
  cprHmac: string | null;
  uniLoginId: string | null;
}

export interface MapContext {
  /** Kommunekode of the source's municipality: records of another tenant are refused. */
  municipalityCode: string;
  hashCpr(cpr: string): string;
}
