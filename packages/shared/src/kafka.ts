import { Kafka, type KafkaConfig, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { Logger } from './logger.js';

const pinoLevelFor: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through our pino logger instead of its own console output. */
export function createKafka(
  options: { brokers: string[]; clientId: string; logger: Logger } & Partial<KafkaConfig>,
) {
  const { logger, ...config } = options;
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    ...config,
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[pinoLevelFor[level] ?? 'info'](rest, message);
      },
  });
}
