export { type BehaviourConfig, behaviourDefaults, drawPersona, type Persona } from './behaviour.js';
export { errorCatalogue, isSimulatorError, SimulatorError, type SimulatorErrorCode } from './errors.js';
export {
  type CellType,
  EVENT_TYPES,
  type EventType,
  nextPhase,
  type Phase,
  type SimEvent,
  TRANSITIONS,
} from './events.js';
export { encodeBatch, type IngestAnswer, IngestClient } from './ingest-client.js';
export { LmsClient } from './lms-client.js';
export { type ErrorVariant, LISTS_AND_LOOPS, type Notebook, type NotebookCell } from './notebook.js';
export { parseCliOptions, usage } from './options.js';
export { type Emitted, Pacer, TokenBucket } from './pacer.js';
export {
  DEMO,
  provisionClasses,
  provisionDemo,
  type Roster,
  type RosterEntry,
  rosterNames,
} from './provision.js';
export { Random } from './random.js';
export { BatchSender, senderDefaults, type TokenSource } from './sender.js';
export { checkSequence, type SequenceProblem } from './sequence.js';
export {
  runSimulation,
  type SimulationOptions,
  type SimulationProgress,
  type SimulationRun,
  startSimulation,
} from './simulator.js';
export { RunStats } from './stats.js';
export { type Step, StudentModel, type StudentOptions } from './student.js';
export { formatSummary, type SimulationSummary } from './summary.js';
