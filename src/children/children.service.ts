import type { EntityManager } from '@mikro-orm/postgresql';
import { Child } from './child.entity';

export interface ChildPageQuery {
  first: number;
  afterId?: string;
  municipalityCode?: string;
}

export class ChildrenService {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<Child | null> {
    return this.em.findOne(Child, { id });
  }

  /** Keyset page ordered by id; fetches one extra row to know whether a next page exists. */
  page({ first, afterId, municipalityCode }: ChildPageQuery): Promise<Child[]> {
    return this.em.find(
      Child,
      {
        ...(afterId ? { id: { $gt: afterId } } : {}),
        ...(municipalityCode ? { municipality: { code: municipalityCode } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: first + 1 },
    );
  }
}
