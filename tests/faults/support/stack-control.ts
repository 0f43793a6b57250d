import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStack, loadStackSettings, type StackService } from '@cellstream/infra';
import { sleep } from '@cellstream/shared';
import { ensureStack } from '@cellstream/testkit';

/**
 * The servers of the stack the tests run against (its environment: KAFKA_PORT, PG_PORT,
 * CELLSTREAM_STATE_DIR...), driven through the stack CLI's own code.
 */
const settings = () => loadStackSettings(process.env);

function server(name: 'kafka' | 'postgres' | 'influxdb'): StackService {
  const found = createStack(settings()).servers.find((service) => service.name === name);
  if (!found) throw new Error(`the stack has no ${name}`);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGKILLs the stack's Kafka broker (the pid of its pid file), as a crash or the OOM killer would. */
export async function killBroker(pidFileName = 'kafka.pid'): Promise<number> {
  const pid = Number.parseInt(readFileSync(join(settings().runDir, pidFileName), 'utf8'), 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('no Kafka pid file');
  process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
  return pid;
}

/** Brings everything back with `npm run stack -- up`, as an operator would. */
export const stackUp = (): Promise<void> => ensureStack();

/** Stops PostgreSQL or InfluxDB the way the stack CLI does (fast shutdown). */
export const stopServer = (name: 'postgres' | 'influxdb'): Promise<void> => server(name).down();
export const startServer = (name: 'postgres' | 'influxdb'): Promise<void> => server(name).up();
