import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { minInsyncReplicasFor, replicationFactorFor } from '@cellstream/schemas';
import { Kafka, logLevel } from 'kafkajs';
import { portOpen, waitUntil } from '../probes.js';
import {
  commandLine,
  isAlive,
  type ManagedProcess,
  removePidFile,
  runningPid,
  spawnDetached,
  stopPid,
} from '../processes.js';
import { step, throttled, timed } from '../progress.js';
import { runCommand } from '../run-command.js';
import { brokerCountFile, type StackSettings } from '../settings.js';
import type { ServiceStatus, StackService } from './service.js';

const MAIN_CLASS = 'kafka.Kafka';

/** One node of the cluster: its ports, its own directory, pid file and log. */
interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  home: string;
  proc: ManagedProcess;
}

/**
 * Apache Kafka in KRaft mode, run from Maven Central jars: one combined broker and controller
 * by default, or a cluster of `KAFKA_BROKER_COUNT` of them (`npm run stack -- up --brokers 3`),
 * each node both broker and controller, with replication factor 3 and min.insync.replicas 2.
 * Node 1 keeps the single broker's paths (`kafka/`, `kafka.pid`, `kafka.log`); node n listens on
 * KAFKA_PORT and KAFKA_CONTROLLER_PORT plus (n - 1) × KAFKA_PORT_STEP.
 */
export class KafkaService implements StackService {
  readonly name = 'kafka';
  readonly logFile: string;
  readonly dataDirs: string[];
  readonly nodes: KafkaNode[];
  private readonly libs: string;

  constructor(private readonly settings: StackSettings) {
    this.libs = join(settings.cacheDir, `kafka-${settings.KAFKA_VERSION}`, 'libs');
    this.logFile = join(settings.logDir, 'kafka.log');
    this.nodes = Array.from({ length: settings.kafkaBrokerCount }, (_, index) => {
      const suffix = index === 0 ? '' : `-${index + 1}`;
      return {
        id: index + 1,
        port: settings.KAFKA_PORT + index * settings.KAFKA_PORT_STEP,
        controllerPort: settings.KAFKA_CONTROLLER_PORT + index * settings.KAFKA_PORT_STEP,
        home: join(settings.stateDir, `kafka${suffix}`),
        proc: {
          name: `kafka${suffix}`,
          pidFile: join(settings.runDir, `kafka${suffix}.pid`),
          logFile: join(settings.logDir, `kafka${suffix}.log`),
        },
      };
    });
    this.dataDirs = this.nodes.map((node) => node.home);
  }

  private get address() {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  async up(): Promise<void> {
    const running = this.nodes.filter((node) => runningPid(node.proc, MAIN_CLASS) !== undefined);
    if (running.length === this.nodes.length && (await this.answers())) {
      step(this.name, `already up at ${this.address}`);
      return;
    }
    for (const node of this.nodes) {
      if (running.includes(node)) continue;
      if (await portOpen(node.port)) {
        throw new Error(
          `port ${node.port} is taken by a process this stack did not start; stop it or set KAFKA_PORT`,
        );
      }
    }
    await this.checkBrokerCount();
    await this.provision();
    const clusterId = await this.clusterId();
    // Nodes start side by side: a KRaft quorum of three answers only once a majority runs.
    const pids = await Promise.all(
      this.nodes
        .filter((node) => !running.includes(node))
        .map(async (node) => {
          const configFile = await this.writeConfig(node);
          await this.formatStorage(node, configFile, clusterId);
          return spawnDetached(node.proc, 'java', [
            `-Xmx${this.settings.KAFKA_HEAP}`,
            `-Xms${this.settings.KAFKA_HEAP}`,
            '-server',
            '-XX:+UseG1GC',
            '-XX:MaxGCPauseMillis=20',
            '-Djava.awt.headless=true',
            `-Dkafka.logs.dir=${join(node.home, 'logs')}`,
            `-Dlog4j.configuration=file:${join(node.home, 'log4j.properties')}`,
            '-cp',
            `${this.libs}/*`,
            MAIN_CLASS,
            configFile,
          ]);
        }),
    );
    await timed(this.name, `up at ${this.address}`, () =>
      waitUntil('Kafka', () => this.answers(), {
        timeoutMs: this.settings.STACK_START_TIMEOUT_MS,
        logFile: this.logFile,
        stillRunning: () => pids.every((pid) => isAlive(pid)),
      }),
    );
  }

  /**
   * A KRaft quorum is fixed when its storage is formatted: a stack created with one broker
   * cannot become a cluster of three in place (nor the reverse).
   */
  private async checkBrokerCount(): Promise<void> {
    const file = brokerCountFile(this.settings.stateDir);
    const formatted = existsSync(join((this.nodes[0] as KafkaNode).home, 'data', 'meta.properties'));
    const created = existsSync(file)
      ? Number.parseInt(await readFile(file, 'utf8'), 10)
      : formatted
        ? 1
        : undefined;
    if (created !== undefined && created !== this.nodes.length) {
      throw new Error(
        `this stack's Kafka was created with ${created} broker(s), not ${this.nodes.length}: run \`npm run stack -- reset\` first, or use another CELLSTREAM_STATE_DIR`,
      );
    }
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, `${this.nodes.length}\n`);
  }

  /** Copies the broker's runtime classpath from Maven Central into the cache, once per version. */
  private async provision(): Promise<void> {
    const brokerJar = join(this.libs, `kafka_2.13-${this.settings.KAFKA_VERSION}.jar`);
    if (existsSync(brokerJar)) return;
    const staging = `${this.libs}.partial`;
    await rm(staging, { recursive: true, force: true });
    await timed(this.name, `fetched Kafka ${this.settings.KAFKA_VERSION} jars from Maven Central`, () =>
      runCommand(
        'mvn',
        [
          '-B',
          '-f',
          join(this.settings.repoRoot, 'infra', 'kafka', 'pom.xml'),
          'dependency:copy-dependencies',
          `-Dkafka.version=${this.settings.KAFKA_VERSION}`,
          '-DincludeScope=runtime',
          `-DoutputDirectory=${staging}`,
        ],
        { onLine: throttled(this.name) },
      ),
    );
    await rm(this.libs, { recursive: true, force: true });
    await rename(staging, this.libs);
  }

  private async writeConfig(node: KafkaNode): Promise<string> {
    const { KAFKA_NUM_PARTITIONS } = this.settings;
    const count = this.nodes.length;
    // Replication of the internal topics follows the cluster: 3 copies, 2 in sync, once there are 3 brokers.
    const replicas = replicationFactorFor(count);
    const minInSync = minInsyncReplicasFor(count);
    await mkdir(join(node.home, 'logs'), { recursive: true });
    const configFile = join(node.home, 'server.properties');
    await writeFile(
      configFile,
      [
        '# Written by the Cellstream stack CLI on every start; edit infra/src/services/kafka.ts instead.',
        'process.roles=broker,controller',
        `node.id=${node.id}`,
        `controller.quorum.voters=${this.nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`,
        `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
        'inter.broker.listener.name=PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${join(node.home, 'data')}`,
        `num.partitions=${KAFKA_NUM_PARTITIONS}`,
        // Topics are declared in schemas/ and created on purpose; a typo must not create one.
        'auto.create.topics.enable=false',
        `default.replication.factor=${replicas}`,
        `min.insync.replicas=${minInSync}`,
        `offsets.topic.replication.factor=${replicas}`,
        `transaction.state.log.replication.factor=${replicas}`,
        `transaction.state.log.min.isr=${minInSync}`,
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(node.home, 'log4j.properties'),
      [
        'log4j.rootLogger=INFO, stdout',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka=INFO',
        'log4j.logger.org.apache.kafka=INFO',
        'log4j.logger.state.change.logger=WARN',
        'log4j.logger.kafka.request.logger=WARN',
        '',
      ].join('\n'),
    );
    return configFile;
  }

  /** The cluster id every node is formatted with, made once and kept beside node 1's data. */
  private async clusterId(): Promise<string> {
    const idFile = join((this.nodes[0] as KafkaNode).home, 'cluster-id');
    const kept = existsSync(idFile) ? (await readFile(idFile, 'utf8')).trim() : '';
    if (kept) return kept;
    await mkdir((this.nodes[0] as KafkaNode).home, { recursive: true });
    const output = await runCommand('java', [
      '-cp',
      `${this.libs}/*`,
      'kafka.tools.StorageTool',
      'random-uuid',
    ]);
    const clusterId = output.trim().split('\n').at(-1)?.trim() ?? '';
    await writeFile(idFile, `${clusterId}\n`);
    return clusterId;
  }

  /** Formats a node's KRaft log dir once. */
  private async formatStorage(node: KafkaNode, configFile: string, clusterId: string): Promise<void> {
    if (existsSync(join(node.home, 'data', 'meta.properties'))) return;
    await runCommand('java', [
      `-Dlog4j.configuration=file:${join(node.home, 'log4j.properties')}`,
      '-cp',
      `${this.libs}/*`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      configFile,
      '--ignore-formatted',
    ]);
    step(node.proc.name, `formatted KRaft storage (cluster ${clusterId})`);
  }

  /** Every node is a broker of the cluster and there is an active controller. */
  private async answers(): Promise<boolean> {
    for (const node of this.nodes) if (!(await portOpen(node.port))) return false;
    const admin = new Kafka({
      brokers: this.nodes.map((node) => `127.0.0.1:${node.port}`),
      clientId: 'cellstream-stack',
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1_000,
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length >= this.nodes.length && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  async down(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        const pid = runningPid(node.proc, MAIN_CLASS);
        if (pid !== undefined) await timed(node.proc.name, 'stopped', () => stopPid(pid, 60_000));
        removePidFile(node.proc);
      }),
    );
  }

  async status(): Promise<ServiceStatus> {
    const pids = this.nodes.map((node) => runningPid(node.proc, MAIN_CLASS));
    const running = pids.filter((pid): pid is number => pid !== undefined);
    const answers = running.length === this.nodes.length && (await this.answers());
    const pid = running[0];
    return {
      name: this.name,
      state: running.length === 0 ? 'down' : answers ? 'up' : 'unhealthy',
      address: this.address,
      // The version of the jars the running broker was started from, not of today's settings.
      version: pid === undefined ? undefined : /kafka-([^/]+)\/libs/.exec(commandLine(pid))?.[1],
      pid,
      ...(this.nodes.length > 1
        ? { detail: `${running.length} of ${this.nodes.length} brokers running` }
        : {}),
    };
  }
}
