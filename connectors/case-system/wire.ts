/**
 * Wire format of the case-system export API (see openapi.yaml). These are what a vendor
 * sends; nothing here is trusted until the mapper has validated it.
 */
export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export interface ChildRecord {
  id: string;
  cpr: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  municipalityCode: string;
  modifiedAt: string;
}

export interface PlacementRecord {
  id: string;
  childId: string;
  type: string;
  placeName: string;
  legalBasis: string;
  startDate: string;
  endDate: string | null;
  modifiedAt: string;
}

export interface CaseContactRecord {
  id: string;
  childId: string;
  role: string;
  name: string;
  organisation?: string | null;
  email?: string | null;
  phone?: string | null;
  startDate: string;
  endDate: string | null;
  modifiedAt: string;
}

export interface CustodyHolderRecord {
  id: string;
  childId: string;
  name: string;
  relation: string;
  cpr?: string | null;
  modifiedAt: string;
}

export interface DeletionRecord {
  sequence: number;
  resource: Resource;
  id: string;
  deletedAt: string;
}

/** Resources in the order a sync reads them: children first, so the rest can be linked. */
export const RESOURCES = ['children', 'custody-holders', 'placements', 'case-contacts'] as const;
export type Resource = (typeof RESOURCES)[number];
export const DELETIONS = 'deletions';
