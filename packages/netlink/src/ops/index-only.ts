import { ValidationError } from '../errors.js';
import { checkInt } from '../validate.js';
import type { LinkRef } from './common.js';

/** A link given as an index where no name can be looked up (a request built without a client). */
export const indexOnly = (field: string, ref: LinkRef | undefined): number | undefined => {
  if (ref === undefined) return undefined;
  if (typeof ref !== 'number') throw new ValidationError(field, ref, 'must be a link index here (use routeAdd to resolve names)');
  return checkInt(field, ref, 1, 0x7fffffff);
};
