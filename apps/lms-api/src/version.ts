import { packageVersion } from '@cellstream/shared';

/** lms-api's package version, as `/health` and the OpenAPI document report it. */
export const version: string = packageVersion(import.meta.url);
