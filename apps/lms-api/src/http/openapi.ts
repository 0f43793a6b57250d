import type { SwaggerOptions } from '@fastify/swagger';
import { errorCatalogue } from '../errors.js';

const errorTable = [
  '| code | status | meaning |',
  '|---|---|---|',
  ...Object.entries(errorCatalogue).map(
    ([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.description} |`,
  ),
].join('\n');

/** The OpenAPI 3.1 document @fastify/swagger builds from the routes' TypeBox schemas. */
export function openApiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cellstream lms-api',
        version,
        description: [
          'Identity (tokens verified by ingest and realtime through `/.well-known/jwks.json`), classes,',
          'enrollments, assignments, submissions, grading and the progress reads of the dashboard.',
          'Lists take `skip` and `limit` and answer the total in the `X-Total-Count` header.',
          '',
          'Every error answers `{code, message}` (and `details` for validation) with one of these codes:',
          '',
          errorTable,
        ].join('\n'),
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'identity', description: 'Login, accounts, tokens and keys' },
        { name: 'students', description: 'Students and their accounts' },
        { name: 'classes', description: 'Classes and enrollments' },
        { name: 'assignments', description: 'Assignments of a class' },
        { name: 'submissions', description: 'Submissions for assignments' },
        {
          name: 'grading',
          description:
            'Grades, returns, extensions of due dates and system messages; each grade, return and message is also published to learning.notifications.v1',
        },
        { name: 'progress', description: 'Progress reads for the dashboard' },
        { name: 'privacy', description: 'Export and deletion of a student’s data' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  };
}
