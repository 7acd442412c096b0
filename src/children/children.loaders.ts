import { CaseContact } from './case-contact.entity';
import { groupByKey, ofChildren, type LoaderDefinition } from '../platform/graphql/loaders';
import { Placement } from './placement.entity';

export const placementsByChild: LoaderDefinition<string, Placement[]> = {
  async batch(em, childIds, municipalityId) {
    const rows = await em.find(Placement, ofChildren(childIds, municipalityId), { orderBy: { startDate: 'desc' } });
    return groupByKey(childIds, rows, (p) => p.child.id);
  },
};

export const caseContactsByChild: LoaderDefinition<string, CaseContact[]> = {
  async batch(em, childIds, municipalityId) {
    const rows = await em.find(CaseContact, ofChildren(childIds, municipalityId), { orderBy: { startDate: 'desc', id: 'asc' } });
    return groupByKey(childIds, rows, (c) => c.child.id);
  },
};
