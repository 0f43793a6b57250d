import { faultSettings } from './settings.js';

/**
 * How long and how hard each fault test runs. CI runs the short form (the whole suite in well
 * under 15 minutes on two cores); `FAULTS_PROFILE=full npm run test:faults` runs the durations
 * and counts of issue #12 (minutes of outage, five kills per app, 10,000 hostile requests).
 */
export type ProfileName = 'ci' | 'full';

export interface FaultProfile {
  name: ProfileName;
  /** Events per second the load generator offers during a fault test. */
  loadRate: number;
  /** SIGKILLs per app in the apps-killed test. */
  killsPerApp: number;
  /** How long the broker stays down, in ms. */
  brokerDownMs: number;
  /** How long PostgreSQL and InfluxDB each stay down, in ms. */
  dependencyDownMs: number;
  /** Poison records written between good ones. */
  poisonRecords: number;
  /** Hostile requests sent to ingest. */
  hostileRequests: number;
  /** Soak duration, in ms. */
  soakMs: number;
}

export const profiles: Record<ProfileName, FaultProfile> = {
  ci: {
    name: 'ci',
    loadRate: 100,
    killsPerApp: 2,
    brokerDownMs: 10_000,
    dependencyDownMs: 15_000,
    poisonRecords: 300,
    hostileRequests: 1_000,
    soakMs: 45_000,
  },
  full: {
    name: 'full',
    loadRate: 200,
    killsPerApp: 5,
    brokerDownMs: 30_000,
    dependencyDownMs: 60_000,
    poisonRecords: 1_000,
    hostileRequests: 10_000,
    soakMs: 30 * 60_000,
  },
};

export function faultProfile(): FaultProfile {
  return profiles[faultSettings.FAULTS_PROFILE];
}
