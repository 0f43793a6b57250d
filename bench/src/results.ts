import type { ComponentResult } from './components.js';
import type { EndToEndResult } from './e2e/run.js';
import type { ProducerPerfResult } from './kafka-perf.js';
import type { MachineInfo } from './machine.js';

export const phases = ['components', 'kafka', 'e2e'] as const;
export type Phase = (typeof phases)[number];

/** Everything one `npm run bench` measured: docs/bench/results.json, and what the markdown is rendered from. */
export interface BenchResults {
  generatedAt: string;
  mode: 'quick' | 'full';
  /** The command line that produced it (`npm run bench -- ...`). */
  command: string;
  phases: Phase[];
  machine: MachineInfo;
  loadAverageAtEnd: [number, number, number];
  totalSeconds: number;
  components?: ComponentResult[];
  kafka?: {
    partitions: number;
    /** As fast as it goes: the raw limit. */
    max: ProducerPerfResult;
    /** At the end-to-end run's offered rate: Kafka's own latency at that load. */
    atRate?: ProducerPerfResult;
  };
  e2e?: EndToEndResult;
  /** Phases that failed, with why: a report is written anyway. */
  failures: { phase: Phase; message: string }[];
  /** Plot files, relative to the markdown's folder. */
  plots: { file: string; title: string }[];
}

export interface TargetCheck {
  target: string;
  /** Where the target comes from. */
  source: string;
  measured: string;
  met: boolean | null;
}
