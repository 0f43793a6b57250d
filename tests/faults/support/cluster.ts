import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStack, loadStackSettings } from '@cellstream/infra';
import { sleep } from '@cellstream/shared';
import { faultSettings } from './settings.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A three-broker KRaft cluster of its own beside the stack, started by the stack CLI
 * (`npm run stack -- up kafka --brokers 3`) in a state directory of its own. Its ports are the
 * stack's Kafka ports plus 100 (FAULTS_CLUSTER_KAFKA_PORT and FAULTS_CLUSTER_CONTROLLER_PORT
 * move them), one broker every KAFKA_PORT_STEP (default 10).
 */
export class ThreeBrokerCluster {
  readonly env: Record<string, string>;

  constructor() {
    const stack = loadStackSettings(process.env);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    // Only Kafka is started; nothing here may point at the stack's own servers' data.
    delete env.KAFKA_BROKERS;
    delete env.PG_DATA_DIR;
    Object.assign(env, {
      CELLSTREAM_STATE_DIR: `${stack.stateDir}-cluster3`,
      KAFKA_PORT: String(faultSettings.FAULTS_CLUSTER_KAFKA_PORT ?? stack.KAFKA_PORT + 100),
      KAFKA_CONTROLLER_PORT: String(
        faultSettings.FAULTS_CLUSTER_CONTROLLER_PORT ?? stack.KAFKA_CONTROLLER_PORT + 100,
      ),
      KAFKA_PORT_STEP: String(faultSettings.FAULTS_CLUSTER_PORT_STEP),
      KAFKA_BROKER_COUNT: '3',
      // Three JVMs on a small machine.
      KAFKA_HEAP: faultSettings.FAULTS_CLUSTER_HEAP,
    });
    this.env = env;
  }

  private get settings() {
    return loadStackSettings(this.env);
  }

  /** Every broker's address, for the apps' KAFKA_BROKERS. */
  get brokers(): string[] {
    return this.settings.KAFKA_BROKERS;
  }

  /** `npm run stack -- up kafka --brokers 3`: starts the brokers that do not run. */
  up(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'stack', '--', 'up', 'kafka', '--brokers', '3'], {
        cwd: repoRoot,
        env: this.env,
        stdio: 'inherit',
      });
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`the three-broker cluster did not come up (exit ${code})`)),
      );
    });
  }

  /** SIGKILLs broker `nodeId` (1..3). */
  async kill(nodeId: number): Promise<void> {
    const pidFile = join(this.settings.runDir, nodeId === 1 ? 'kafka.pid' : `kafka-${nodeId}.pid`);
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    process.kill(pid, 'SIGKILL');
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await sleep(50);
    }
  }

  /** Stops the three brokers (through the stack's Kafka service only) and deletes their data; logs stay. */
  async destroy(): Promise<void> {
    const kafka = createStack(this.settings).servers.find((service) => service.name === 'kafka');
    await kafka?.down();
    for (const dir of kafka?.dataDirs ?? []) await rm(dir, { recursive: true, force: true });
  }
}
