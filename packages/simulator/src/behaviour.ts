import type { Random } from './random.js';

/**
 * How simulated students behave. Times are in the students' own (virtual) milliseconds: the
 * scheduler stretches or compresses them so the whole class produces the target rate, keeping
 * their proportions (a student who thinks twice as long sends half as often).
 */
export interface BehaviourConfig {
  /** Chance that running an ordinary code cell fails. */
  errorRate: number;
  /** Chance that running a hard cell fails the first time; it decays slowly with each retry. */
  hardCellErrorRate: number;
  /** Share of students who get stuck on one hard cell per session. */
  stuckShare: number;
  /** How many consecutive errors a stuck student makes on its cell, [min, max]. */
  stuckErrors: readonly [number, number];
  /** Consecutive errors on a cell after which a student may ask for help. */
  helpAfterErrors: number;
  /** Chance a student who is not stuck asks for help once it reaches `helpAfterErrors`. */
  helpChance: number;
  /** Chance of restarting the kernel after an error that follows `helpAfterErrors` others. */
  restartAfterErrorsChance: number;
  /** Chance of restarting the kernel before any cell, out of habit. */
  restartChance: number;
  /** Chance that a run of a slow cell is interrupted. */
  interruptChance: number;
  /** Time to fix a cell after an error, [min, max] median. */
  fixMs: readonly [number, number];
  /** Break between two sessions, [min, max]. */
  breakMs: readonly [number, number];
  /** Sessions per student; undefined: forever (until the run stops). */
  sessions: number | undefined;
}

export const behaviourDefaults: BehaviourConfig = {
  errorRate: 0.08,
  hardCellErrorRate: 0.5,
  stuckShare: 0.1,
  stuckErrors: [6, 12],
  helpAfterErrors: 3,
  helpChance: 0.3,
  restartAfterErrorsChance: 0.15,
  restartChance: 0.01,
  interruptChance: 0.25,
  fixMs: [5_000, 25_000],
  breakMs: [30_000, 180_000],
  sessions: undefined,
};

export type PersonaName = 'confident' | 'average' | 'struggling';

/** A student's temperament, drawn once from its own random stream. */
export interface Persona {
  name: PersonaName;
  /** Multiplies the error chances. */
  errorFactor: number;
  /** Multiplies think and fix times. */
  thinkFactor: number;
  /** Successful cells between two saves. */
  saveEvery: number;
  /** Gets stuck on one hard cell per session (`stuckErrors` consecutive errors there). */
  stuck: boolean;
}

const personas: Record<PersonaName, Omit<Persona, 'saveEvery' | 'stuck'>> = {
  confident: { name: 'confident', errorFactor: 0.5, thinkFactor: 0.7 },
  average: { name: 'average', errorFactor: 1, thinkFactor: 1 },
  struggling: { name: 'struggling', errorFactor: 1.8, thinkFactor: 1.4 },
};

export function drawPersona(rng: Random, behaviour: BehaviourConfig): Persona {
  const stuck = rng.chance(behaviour.stuckShare);
  const name: PersonaName = stuck
    ? 'struggling'
    : rng.weighted<PersonaName>([
        ['confident', 0.3],
        ['average', 0.5],
        ['struggling', 0.2],
      ]);
  return { ...personas[name], saveEvery: rng.int(2, 4), stuck };
}
