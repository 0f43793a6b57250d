import { dlqHeaders } from '@cellstream/schemas';
import type { IHeaders, Message, Producer } from 'kafkajs';
import { PersisterError } from '../errors.js';
import type { Rejection } from '../pipeline/records.js';

/**
 * learning.events.dlq.v1: the original key, value and headers unchanged, and why in the
 * `dlq.*` headers (dlqHeaders). Sent with acks=all before the offsets that skip the records are
 * committed, so a dead letter is never lost; a crash in between sends it again (at least once).
 */
export class DeadLetterQueue {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(rejections: readonly Rejection[], failedBy: string, now = new Date()): Promise<void> {
    if (rejections.length === 0) return;
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: rejections.map((rejection) => deadLetter(rejection, failedBy, now)),
      });
    } catch (error) {
      throw new PersisterError(
        'PERSISTER_DLQ_FAILED',
        `Producing ${rejections.length} dead letters to ${this.topic} failed: ${(error as Error).message}`,
        { cause: error, context: { topic: this.topic } },
      );
    }
  }
}

export function deadLetter(rejection: Rejection, failedBy: string, now: Date): Message {
  const { source } = rejection;
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(source.headers ?? {})) {
    if (value !== undefined) headers[name] = value;
  }
  Object.assign(headers, {
    [dlqHeaders.reason.name]: rejection.reason,
    [dlqHeaders.errorCode.name]: rejection.code,
    [dlqHeaders.sourceTopic.name]: source.topic,
    [dlqHeaders.sourcePartition.name]: String(source.partition),
    [dlqHeaders.sourceOffset.name]: source.offset,
    [dlqHeaders.failedBy.name]: failedBy,
    [dlqHeaders.failedAt.name]: now.toISOString(),
  });
  return { key: source.key, value: source.value, headers };
}
