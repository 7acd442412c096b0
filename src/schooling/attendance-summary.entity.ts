import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Child } from '../children/child.entity';
import { Municipality } from '../municipalities/municipality.entity';

export enum SummaryPeriodKind {
  Month = 'month',
  /** Calendar quarter: the period of the 10 % / 15 % unauthorised-absence rules. */
  Quarter = 'quarter',
  /** 1 August to 31 July. */
  SchoolYear = 'school_year',
}

/** Derived: absence per child and period, recomputed in SQL by the summary job. */
@Entity()
@Unique({ properties: ['child', 'periodKind', 'periodStart'] })
@Index({ properties: ['municipality'] })
export class AttendanceSummary {
  [OptionalProps]?: 'computedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Municipality, { deleteRule: 'cascade' })
  municipality!: Municipality;

  @ManyToOne(() => Child, { deleteRule: 'cascade' })
  child!: Child;

  @Enum({ items: () => SummaryPeriodKind })
  periodKind!: SummaryPeriodKind;

  @Property({ type: 'date' })
  periodStart!: string;

  @Property({ type: 'date' })
  periodEnd!: string;

  /** Days with a registration, plus the municipality's calendar days without one (present). */
  @Property({ type: 'integer' }) schoolDays!: number;
  /** Present, including partial days. */
  @Property({ type: 'integer' }) presentDays!: number;
  @Property({ type: 'integer' }) partialDays!: number;
  @Property({ type: 'integer' }) illnessDays!: number;
  @Property({ type: 'integer' }) authorisedDays!: number;
  @Property({ type: 'integer' }) unauthorisedDays!: number;

  /** Percentages of school days, two decimals; numeric in SQL, string in JS. */
  @Property({ type: 'decimal', precision: 5, scale: 2 }) absencePct!: string;
  @Property({ type: 'decimal', precision: 5, scale: 2 }) illnessPct!: string;
  @Property({ type: 'decimal', precision: 5, scale: 2 }) authorisedPct!: string;
  @Property({ type: 'decimal', precision: 5, scale: 2 }) unauthorisedPct!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  computedAt: Date = new Date();
}
