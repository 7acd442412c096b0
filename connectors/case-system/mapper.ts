import { z } from 'zod';
import { CaseContactRole } from '../../src/children/case-contact.entity';
import { PlacementType } from '../../src/children/placement.entity';
import type { CanonicalRecord, CanonicalTarget, MapContext, MapResult } from '../../src/sources/canonical';
import { DELETIONS, type Resource } from './wire';

/** A real calendar date (rejects 2025-02-30), as YYYY-MM-DD. */
const isoDate = z.string().refine((s) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}, 'not a valid date (YYYY-MM-DD)');

/**
 * DDMMYY-SSSS whose date part can exist; synthetic numbers (day + 60) are accepted.
 * The value is never echoed in an error message.
 */
const cpr = z.string().refine((s) => {
  const m = /^(\d{2})(\d{2})(\d{2})-?\d{4}$/.exec(s);
  if (!m) return false;
  const day = Number(m[1]) > 60 ? Number(m[1]) - 60 : Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(2000, month, 0)).getUTCDate();
}, 'not a valid CPR number');

const text = z.string().trim().min(1);
const timestamp = z.iso.datetime({ offset: true });
const withPeriod = <T extends { startDate: string; endDate?: string | null }>(s: z.ZodType<T>) =>
  s.refine((r) => !r.endDate || r.endDate >= r.startDate, { message: 'ends before it starts', path: ['endDate'] });

const Child = z.object({
  id: text,
  cpr,
  firstName: text,
  lastName: text,
  birthDate: isoDate,
  municipalityCode: z.string().regex(/^\d{3}$/),
  modifiedAt: timestamp,
});
const Placement = withPeriod(
  z.object({
    id: text,
    childId: text,
    type: z.enum(Object.values(PlacementType) as [PlacementType, ...PlacementType[]]),
    placeName: text,
    legalBasis: text,
    startDate: isoDate,
    endDate: isoDate.nullable(),
    modifiedAt: timestamp,
  }),
);
const CaseContact = withPeriod(
  z.object({
    id: text,
    childId: text,
    role: z.enum(Object.values(CaseContactRole) as [CaseContactRole, ...CaseContactRole[]]),
    name: text,
    // Optional in the contract (openapi.yaml): a vendor may omit the key or send null.
    organisation: z.string().nullish(),
    email: z.string().nullish(),
    phone: z.string().nullish(),
    startDate: isoDate,
    endDate: isoDate.nullable(),
    modifiedAt: timestamp,
  }),
);
const CustodyHolder = z.object({ id: text, childId: text, name: text, relation: text, cpr: cpr.nullish(), modifiedAt: timestamp });
export const RESOURCE_TARGETS: Record<Resource, CanonicalTarget> = {
  children: 'child',
  'custody-holders': 'custody_holder',
  placements: 'placement',
  'case-contacts': 'case_contact',
};
const Deletion = z.object({
  sequence: z.number().int(),
  resource: z.enum(Object.keys(RESOURCE_TARGETS) as [Resource, ...Resource[]]),
  id: text,
});

function failure(error: z.ZodError, data: unknown): MapResult {
  const reason = error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
  const id = (data as { id?: unknown })?.id;
  return { ok: false, reason, externalId: typeof id === 'string' ? id : undefined };
}

/** Validates one record of a case-system stream and maps it to the canonical model. */
export function mapCaseSystemRecord(stream: string, data: unknown, ctx: MapContext): MapResult {
  const one = (record: CanonicalRecord): MapResult => ({ ok: true, records: [record] });
  switch (stream) {
    case 'children': {
      const r = Child.safeParse(data);
      if (!r.success) return failure(r.error, data);
      if (r.data.municipalityCode !== ctx.municipalityCode) {
        return { ok: false, reason: `municipalityCode: belongs to ${r.data.municipalityCode}, not this source's ${ctx.municipalityCode}`, externalId: r.data.id };
      }
      const c = r.data;
      return one({ target: 'child', externalId: c.id, cprHmac: ctx.hashCpr(c.cpr), firstName: c.firstName, lastName: c.lastName, birthDate: c.birthDate, sourceUpdatedAt: c.modifiedAt });
    }
    case 'placements': {
      const r = Placement.safeParse(data);
      if (!r.success) return failure(r.error, data);
      const p = r.data;
      return one({ target: 'placement', externalId: p.id, childExternalId: p.childId, type: p.type, placeName: p.placeName, legalBasis: p.legalBasis, startDate: p.startDate, endDate: p.endDate, sourceUpdatedAt: p.modifiedAt });
    }
    case 'case-contacts': {
      const r = CaseContact.safeParse(data);
      if (!r.success) return failure(r.error, data);
      const c = r.data;
      return one({ target: 'case_contact', externalId: c.id, childExternalId: c.childId, role: c.role, name: c.name, organisation: c.organisation ?? null, email: c.email ?? null, phone: c.phone ?? null, startDate: c.startDate, endDate: c.endDate, sourceUpdatedAt: c.modifiedAt });
    }
    case 'custody-holders': {
      const r = CustodyHolder.safeParse(data);
      if (!r.success) return failure(r.error, data);
      const h = r.data;
      return one({ target: 'custody_holder', externalId: h.id, childExternalId: h.childId, name: h.name, relation: h.relation, cprHmac: h.cpr ? ctx.hashCpr(h.cpr) : null, sourceUpdatedAt: h.modifiedAt });
    }
    case DELETIONS: {
      const r = Deletion.safeParse(data);
      if (!r.success) return failure(r.error, data);
      return one({ target: 'deletion', of: RESOURCE_TARGETS[r.data.resource], externalId: r.data.id });
    }
    default:
      return { ok: false, reason: `unknown stream ${stream}` };
  }
}
