import { validate, type ValidationError } from 'class-validator';
import { HubError } from './errors';

function flatten(errors: ValidationError[], prefix: string, out: { path: string; message: string }[]): void {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ path, message });
    if (e.children?.length) flatten(e.children, path, out);
  }
}

/**
 * type-graphql's `validateFn`: class-validator on every input object, answered as one
 * BAD_USER_INPUT error listing each field path and why (input objects are always the `input`
 * argument, so paths read `input.schedule`) (never the submitted values, which
 * may hold credentials or personal data).
 */
export async function validateInput(argValue: unknown): Promise<void> {
  if (argValue === null || typeof argValue !== 'object' || Array.isArray(argValue)) return;
  const errors = await validate(argValue as object, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  if (!errors.length) return;
  const fields: { path: string; message: string }[] = [];
  flatten(errors, 'input', fields);
  throw HubError.invalidFields(fields);
}
