import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import type { StackSettings } from '../settings.js';
import type { ServiceStatus, StackService } from './service.js';

const MAIN_CLASS = 'kafka.Kafka';

/** Apache Kafka in KRaft mode (one combined broker and controller), run from Maven Central jars. */
export class KafkaService implements StackService {
  readonly name = 'kafka';
  readonly logFile: string;
  readonly dataDirs: string[];
  private readonly home: string;
  private readonly libs: string;
  private readonly proc: ManagedProcess;

  constructor(private readonly settings: StackSettings) {
    this.home = join(settings.stateDir, 'kafka');
    this.libs = join(settings.cacheDir, `kafka-${settings.KAFKA_VERSION}`, 'libs');
    this.logFile = join(settings.logDir, 'kafka.log');
    this.dataDirs = [this.home];
    this.proc = { name: this.name, pidFile: join(settings.runDir, 'kafka.pid'), logFile: this.logFile };
  }

  private get address() {
    return `127.0.0.1:${this.settings.KAFKA_PORT}`;
  }

  async up(): Promise<void> {
    if (runningPid(this.proc, MAIN_CLASS) !== undefined && (await this.answers())) {
      step(this.name, `already up at ${this.address}`);
      return;
    }
    if (await portOpen(this.settings.KAFKA_PORT)) {
      throw new Error(
        `port ${this.settings.KAFKA_PORT} is taken by a process this stack did not start; stop it or set KAFKA_PORT`,
      );
    }
    await this.provision();
    const configFile = await this.writeConfig();
    await this.formatStorage(configFile);
    const pid = await spawnDetached(this.proc, 'java', [
      `-Xmx${this.settings.KAFKA_HEAP}`,
      `-Xms${this.settings.KAFKA_HEAP}`,
      '-server',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${join(this.home, 'logs')}`,
      `-Dlog4j.configuration=file:${join(this.home, 'log4j.properties')}`,
      '-cp',
      `${this.libs}/*`,
      MAIN_CLASS,
      configFile,
    ]);
    await timed(this.name, `up at ${this.address}`, () =>
      waitUntil('Kafka', () => this.answers(), {
        timeoutMs: this.settings.STACK_START_TIMEOUT_MS,
        logFile: this.logFile,
        stillRunning: () => isAlive(pid),
      }),
    );
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

  private async writeConfig(): Promise<string> {
    const { KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_NUM_PARTITIONS } = this.settings;
    await mkdir(join(this.home, 'logs'), { recursive: true });
    const configFile = join(this.home, 'server.properties');
    await writeFile(
      configFile,
      [
        '# Written by the Cellstream stack CLI on every start; edit infra/src/services/kafka.ts instead.',
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}`,
        `listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}`,
        'inter.broker.listener.name=PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${join(this.home, 'data')}`,
        `num.partitions=${KAFKA_NUM_PARTITIONS}`,
        // Topics are declared in schemas/ and created on purpose; a typo must not create one.
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(this.home, 'log4j.properties'),
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

  /** Formats the KRaft log dir once; the cluster id is kept beside it. */
  private async formatStorage(configFile: string): Promise<void> {
    if (existsSync(join(this.home, 'data', 'meta.properties'))) return;
    const idFile = join(this.home, 'cluster-id');
    const classpath = `${this.libs}/*`;
    const log4j = `-Dlog4j.configuration=file:${join(this.home, 'log4j.properties')}`;
    let clusterId = existsSync(idFile) ? (await readFile(idFile, 'utf8')).trim() : '';
    if (!clusterId) {
      const output = await runCommand('java', [
        log4j,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'random-uuid',
      ]);
      clusterId = output.trim().split('\n').at(-1)?.trim() ?? '';
      await writeFile(idFile, `${clusterId}\n`);
    }
    await runCommand('java', [
      log4j,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      configFile,
      '--ignore-formatted',
    ]);
    step(this.name, `formatted KRaft storage (cluster ${clusterId})`);
  }

  private async answers(): Promise<boolean> {
    if (!(await portOpen(this.settings.KAFKA_PORT))) return false;
    const admin = new Kafka({
      brokers: [this.address],
      clientId: 'cellstream-stack',
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1_000,
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  async down(): Promise<void> {
    const pid = runningPid(this.proc, MAIN_CLASS);
    if (pid !== undefined) {
      await timed(this.name, 'stopped', () => stopPid(pid, 60_000));
    }
    removePidFile(this.proc);
  }

  async status(): Promise<ServiceStatus> {
    const pid = runningPid(this.proc, MAIN_CLASS);
    const answers = pid !== undefined && (await this.answers());
    return {
      name: this.name,
      state: pid === undefined ? 'down' : answers ? 'up' : 'unhealthy',
      address: this.address,
      // The version of the jars the running broker was started from, not of today's settings.
      version: pid === undefined ? undefined : /kafka-([^/]+)\/libs/.exec(commandLine(pid))?.[1],
      pid,
    };
  }
}
