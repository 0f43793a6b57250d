import { type TSchema, Type } from 'typebox';
import { errorCatalogue } from '../errors.js';

/** Shared pieces of the request and response schemas (TypeBox, so the OpenAPI document follows). */

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'A stable code from the error catalogue (see the API description).' }),
    message: Type.String(),
    details: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'Where the problem is, e.g. `body/class_code`.' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Error', description: 'Every error answer.' },
);

const statusDescriptions: Record<number, string> = {};
for (const [code, entry] of Object.entries(errorCatalogue)) {
  statusDescriptions[entry.status] = [statusDescriptions[entry.status], code].filter(Boolean).join(', ');
}

/** Error answers of a route for the OpenAPI document, each naming the codes it may carry. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const status of statuses) {
    responses[status] = Type.Ref('Error', { description: statusDescriptions[status] ?? 'An error.' });
  }
  return responses;
}

/** Every authenticated route can answer these. */
export const authErrors = [400, 401, 403] as const;

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const DateTime = Type.String({ format: 'date-time' });

/** A serial id: positive and within PostgreSQL's integer. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const IdParams = Type.Object({ id: Id });

/** A student's external id (the events' userId and its login username). */
export const userIdOptions = { minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$' };
export const UserId = Type.String({
  ...userIdOptions,
  description: "The student's userId: its events' `userId` and its login username.",
});

export const Pagination = {
  skip: Type.Integer({ minimum: 0, default: 0, description: 'Items to skip.' }),
  limit: Type.Integer({
    minimum: 1,
    maximum: 500,
    default: 50,
    description: 'Items to return (at most 500).',
  }),
};

export const security = [{ bearerAuth: [] }];
