/** `not built` marks an app whose issue has not built it yet (no dist/main.js). */
export type ServiceState = 'up' | 'down' | 'unhealthy' | 'not built';

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  address: string;
  version?: string;
  pid?: number;
  detail?: string;
}

/** One server of the local stack: each call is idempotent. */
export interface StackService {
  readonly name: string;
  /** Where its output goes, for `stack logs`. */
  readonly logFile: string;
  /** Directories `stack reset` wipes (data only, never the download cache). */
  readonly dataDirs: string[];
  /** Provisions what is missing, starts it unless it already runs, waits until it answers. */
  up(): Promise<void>;
  /** Stops the process this stack started, if it runs; touches nothing else. */
  down(): Promise<void>;
  status(): Promise<ServiceStatus>;
}
