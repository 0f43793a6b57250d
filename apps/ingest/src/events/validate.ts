import { type LearningEvent, type LearningEventHttp, learningEventJsonSchema } from '@cellstream/schemas';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { EventError, EventErrorCode } from '../errors.js';
import { compileRecordConverter, RecordConversionError } from './to-record.js';

// ajv-formats is CommonJS: under NodeNext its plugin is the `default` property of the module.
const addFormats = addFormatsModule.default;

export type EventCheck = { ok: true; record: LearningEvent } | { ok: false; error: EventError };

/**
 * Validates one event of a batch against the JSON schema derived from LearningEvent.avsc and
 * turns it into the Avro record. Each event on its own: one bad event never costs the others.
 * No type coercion: `"3"` is not a cellIndex.
 */
export function createEventValidator(): (item: unknown, receivedAt: number) => EventCheck {
  const ajv = new Ajv({ allErrors: false, allowUnionTypes: true, coerceTypes: false, useDefaults: false });
  addFormats(ajv, ['date-time']);
  const validate = ajv.compile<LearningEventHttp>(learningEventJsonSchema());
  const toRecord = compileRecordConverter();

  return (item, receivedAt) => {
    if (!isPlainObject(item)) {
      return {
        ok: false,
        error: { code: 'INGEST_EVENT_NOT_OBJECT', message: 'The event is not a JSON object.' },
      };
    }
    if (!validate(item)) return { ok: false, error: eventError(validate.errors?.[0]) };
    try {
      return { ok: true, record: toRecord(item, receivedAt) };
    } catch (cause) {
      // The schema and the conversion agree on every field today; should they ever drift, the
      // event is refused on its own rather than failing the batch.
      if (!(cause instanceof RecordConversionError)) throw cause;
      return {
        ok: false,
        error: { code: 'INGEST_EVENT_INVALID_FIELD', message: `${cause.message}.`, field: `/${cause.field}` },
      };
    }
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const tooLongKeywords = new Set(['maxLength', 'maxProperties', 'propertyNames']);
const typeFields = new Set(['/eventType', '/cellType']);

function eventError(error: ErrorObject | undefined): EventError {
  if (!error) return { code: 'INGEST_EVENT_INVALID_FIELD', message: 'The event is not valid.' };
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: unknown }).missingProperty);
    return { code: 'INGEST_EVENT_MISSING_FIELD', message: `${missing} is required.`, field: `/${missing}` };
  }
  const field = error.instancePath;
  const name = field.slice(1) || 'the event';
  let code: EventErrorCode = 'INGEST_EVENT_INVALID_FIELD';
  if (tooLongKeywords.has(error.keyword)) code = 'INGEST_EVENT_FIELD_TOO_LONG';
  else if (error.keyword === 'enum' && typeFields.has(field)) code = 'INGEST_EVENT_UNKNOWN_TYPE';
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  const detail =
    error.keyword === 'enum'
      ? `must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).filter((v) => v !== null).join(', ')}`
      : (error.message ?? 'is not valid');
  const subject =
    propertyName === undefined ? name : `${name} key ${JSON.stringify(propertyName.slice(0, 40))}`;
  return { code, message: `${subject} ${detail}.`, field };
}
