import type { LoaderDefinition } from '../platform/graphql/loaders';
import { indexByKey } from '../platform/graphql/loaders';
import { Municipality } from './municipality.entity';

export const municipalityById: LoaderDefinition<string, Municipality | null> = {
  async batch(em, ids) {
    const rows = await em.find(Municipality, { id: { $in: [...ids] } });
    return indexByKey(ids, rows, (m) => m.id);
  },
};
