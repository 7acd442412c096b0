import { HubError } from '../platform/graphql/errors';

/** A Danish school year, 1 August to 31 July, labelled like "2025/26". */
export interface SchoolYear {
  label: string;
  /** 'YYYY-08-01' */
  start: string;
  /** 'YYYY-07-31' of the next year */
  end: string;
}

export function schoolYearOf(startYear: number): SchoolYear {
  const label = `${startYear}/${String((startYear + 1) % 100).padStart(2, '0')}`;
  return { label, start: `${startYear}-08-01`, end: `${startYear + 1}-07-31` };
}

/** Parses "2025/26" (the second year must follow the first); refuses anything else as `field`. */
export function parseSchoolYear(field: string, value: string): SchoolYear {
  const m = /^(\d{4})\/(\d{2})$/.exec(value.trim());
  const start = m ? Number(m[1]) : NaN;
  if (!m || start < 2000 || start > 2098 || Number(m[2]) !== (start + 1) % 100) {
    throw HubError.badInput(field, 'must be a school year like "2025/26" (1 August to 31 July)');
  }
  return schoolYearOf(start);
}
