import { HubError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Ids are UUIDs; anything else is a client mistake, answered before it reaches SQL. */
export function requireUuid(field: string, value: string): string {
  if (!isUuid(value)) throw HubError.badInput(field, 'must be an id returned by this API');
  return value.toLowerCase();
}
