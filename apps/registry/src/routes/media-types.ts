/** What Confluent's registry answers with, and what it accepts as JSON request bodies. */
export const registryMediaType = 'application/vnd.schemaregistry.v1+json';

export const jsonRequestMediaTypes = [
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/octet-stream',
];
