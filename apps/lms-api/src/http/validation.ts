import { registerAjvFormats, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

registerAjvFormats();

/**
 * Validates with TypeBox's compiler instead of Fastify's default Ajv. Ajv's `coerceTypes`
 * applies to bodies too, where it silently turns `0` into `null` or `123` into `"123"`; here
 * only the querystring, params and headers (always strings on the wire) are converted, and
 * bodies must have the right JSON types. Defaults of querystring parameters are filled in first.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const validate = TypeBoxValidatorCompiler(route);
  if (route.httpPart === 'body') return validate;
  return (value: unknown) => validate(Value.Default(route.schema, Value.Clone(value ?? {})));
};
