/** The unit of consent: every GraphQL field of child data belongs to exactly one category. */
export enum DataCategory {
  /** Name, birth date, school. */
  Identity = 'identity',
  Placement = 'placement',
  /** The contacts around the child. */
  Team = 'team',
  Attendance = 'attendance',
  Grades = 'grades',
  Wellbeing = 'wellbeing',
  Interventions = 'interventions',
  Alerts = 'alerts',
}

export const ALL_DATA_CATEGORIES = Object.values(DataCategory);
