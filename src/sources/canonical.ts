import type { CaseContactRole } from '../children/case-contact.entity';
import type { PlacementType } from '../children/placement.entity';

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
  | { target: 'deletion'; of: CanonicalTarget; externalId: string };

export type CanonicalTarget = Exclude<CanonicalRecord['target'], 'deletion'>;
export type CanonicalRow<T extends CanonicalTarget> = Extract<CanonicalRecord, { target: T }>;

export type MapResult = { ok: true; records: CanonicalRecord[] } | { ok: false; reason: string; externalId?: string };

export interface MapContext {
  /** Kommunekode of the source's municipality: records of another tenant are refused. */
  municipalityCode: string;
  hashCpr(cpr: string): string;
}
