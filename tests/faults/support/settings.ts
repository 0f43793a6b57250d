import { loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const optionalPort = z.coerce.number().int().min(1).max(65_535).optional();

/** The fault suite's own settings, read once from the environment (documented in .env.example). */
export const faultSettings = loadConfig(
  z.object({
    /** `ci` (short outages, fewer kills and requests) or `full` (issue #12's durations and counts). */
    FAULTS_PROFILE: z.enum(['ci', 'full']).default('ci'),
    /** Run the apps from their sources through tsx instead of their builds. */
    FAULTS_APPS_FROM_SOURCE: z
      .enum(['0', '1', 'true', 'false'])
      .default('0')
      .transform((value) => value === '1' || value === 'true'),
    /** First broker and controller port of the three-broker cluster (default: the stack's + 100). */
    FAULTS_CLUSTER_KAFKA_PORT: optionalPort,
    FAULTS_CLUSTER_CONTROLLER_PORT: optionalPort,
    /** Ports between two brokers of the cluster. */
    FAULTS_CLUSTER_PORT_STEP: z.coerce.number().int().min(2).default(10),
    /** Heap of each of the cluster's three brokers. */
    FAULTS_CLUSTER_HEAP: z.string().default('384m'),
    /** Log level of the apps under test. */
    TEST_LOG_LEVEL: z.string().default('warn'),
  }),
  process.env,
);
