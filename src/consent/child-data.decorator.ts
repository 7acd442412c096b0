import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { GraphQLContext } from '../platform/graphql/context';
import type { DataCategory } from './data-category';

/** The field extension naming a field's data category (read by tests and the schema). */
export const DATA_CATEGORY_EXTENSION = 'dataCategory';

function consentGuard(category: DataCategory): MiddlewareFn<GraphQLContext> {
  return async ({ root, context }, next) => {
    const childId = (root as { id: string }).id;
    await context.access.require(childId, category);
    const value = await next();
    context.audit.read(childId, category);
    return value;
  };
}

/**
 * Declares which data category a field of a child belongs to, beside the field. The field is
 * resolved only when consent (or a legal basis) permits that category for the requesting app
 * and purpose; otherwise it is null with a CONSENT_REQUIRED error naming the category. Every
 * returned category is written to the request's access log.
 */
export function ChildData(category: DataCategory): MethodDecorator & PropertyDecorator {
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    Extensions({ [DATA_CATEGORY_EXTENSION]: category })(target, key, descriptor as never);
    UseMiddleware(consentGuard(category))(target, key, descriptor as never);
  };
}
