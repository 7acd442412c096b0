import type { CaseContactRole } from '../children/case-contact.entity';
import type { PlacementType } from '../children/placement.entity';
import type { AttendanceStatus } from '../schooling/attendance-status';
import type { GradeKind, SevenStepGrade } from '../schooling/grade-scale';
import type { InterventionKind } from '../schooling/intervention.entity';
import type { WellbeingIndicator } from '../schooling/wellbeing.entity';

// Shapes of the synthetic source records. Dates are 'YYYY-MM-DD'; `endDate: null` = current.
// Every externalId is unique per record kind across a population.

export interface SynthMunicipality {
  code: string;
  name: string;
}

export interface SynthSchool {
  externalId: string;
  /** Institutionsnummer, 6 digits. */
  institutionNumber: string;
  name: string;
  municipalityCode: string;
}

export interface SynthPlacement {
  externalId: string;
  type: PlacementType;
  placeName: string;
  legalBasis: string;
  startDate: string;
  endDate: string | null;
}

export interface SynthCaseContact {
  externalId: string;
  role: CaseContactRole;
  name: string;
  organisation: string;
  email: string;
  phone: string;
  startDate: string;
  endDate: string | null;
}

export interface SynthCustodyHolder {
  externalId: string;
  name: string;
  relation: 'mother' | 'father' | 'guardian';
  /** Synthetic adult CPR number (day + 60). */
  cpr: string;
}

export interface SynthEnrollment {
  externalId: string;
  schoolExternalId: string;
  gradeLevel: number;
  className: string;
  startDate: string;
  endDate: string | null;
}

export interface SynthAttendanceDay {
  externalId: string;
  date: string;
  status: AttendanceStatus;
  /** Only for partial days. */
  note: string | null;
}

export interface SynthGrade {
  externalId: string;
  subject: string;
  kind: GradeKind;
  value: SevenStepGrade;
  gradeDate: string;
  /** E.g. '2025/26'. */
  schoolYear: string;
}

export interface SynthWellbeing {
  externalId: string;
  indicator: WellbeingIndicator;
  /** 1–5 with two decimals. */
  score: number;
  surveyYear: number;
}

export interface SynthIntervention {
  externalId: string;
  kind: InterventionKind;
  startDate: string;
  endDate: string | null;
  provider: string;
  description: string;
}

export interface SynthChild {
  index: number;
  /** Case system id, 'child-000001' for index 0. */
  externalId: string;
  municipalityCode: string;
  /** Synthetic 'DDMMYY-SSSS' with DD = day + 60; unique in the population. */
  cpr: string;
  /** 8 lowercase letters/digits; unique in the population. */
  uniLoginId: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  sex: 'female' | 'male';
  /** 0 (børnehaveklasse) to 10. */
  gradeLevel: number;
  placements: SynthPlacement[];
  caseContacts: SynthCaseContact[];
  custodyHolders: SynthCustodyHolder[];
  enrollments: SynthEnrollment[];
  attendance: SynthAttendanceDay[];
  grades: SynthGrade[];
  wellbeing: SynthWellbeing[];
  interventions: SynthIntervention[];
}
