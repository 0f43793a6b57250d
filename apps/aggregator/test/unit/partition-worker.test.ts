import type { ClassAggregate, LearningEvent } from '@cellstream/schemas';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartitionTask } from '../../src/processing/partition-task.js';
import { PartitionWorker } from '../../src/runtime/partition-worker.js';
import { learningEvent, SECOND } from '../support/events.js';
import { inputRecords, jsonCodec, MemoryKafka, quietLogger, taskSettings } from '../support/fakes.js';

const settings = taskSettings();

/** A worker on partition 0 of `kafka`, and the offsets it asked the consumer to seek to. */
function startWorker(kafka: MemoryKafka) {
  const seeks: (number | 'earliest')[] = [];
  const worker = new PartitionWorker({
    partition: 0,
    settings,
    task: new PartitionTask(0, settings, { codec: jsonCodec, logger: quietLogger() }),
    sink: kafka.sink(),
    groupId: 'aggregator',
    readChangelog: (partition, onRecord) => kafka.readChangelog(partition, onRecord),
    seek: (_partition, offset) => seeks.push(offset),
    onLost: () => undefined,
    logger: quietLogger(),
  });
  return { worker, seeks };
}

/** The latest committed aggregate of each class. */
function latestAggregates(kafka: MemoryKafka): Map<string, ClassAggregate> {
  const latest = new Map<string, ClassAggregate>();
  for (const aggregate of kafka.values<ClassAggregate>(settings.topics.aggregates))
    latest.set(aggregate.classId, aggregate);
  return latest;
}

function script(count: number): LearningEvent[] {
  return Array.from({ length: count }, (_, i) =>
    learningEvent(i % 3 === 0 ? 'cell_execution_error' : 'cell_execution_complete', i * SECOND, {
      userId: `student-${i % 4}`,
      classId: `class-${i % 2}`,
    }),
  );
}

describe('PartitionWorker (fake time, in-memory Kafka)', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2024, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('emits each class at most every EMIT_INTERVAL_MS, on a timer when no batch comes', async () => {
    const kafka = new MemoryKafka();
    const { worker } = startWorker(kafka);
    expect(await worker.whenReady()).toBe(true);
    const events = script(40);
    for (let i = 0; i < events.length; i++) {
      await worker.handleBatch(inputRecords([events[i] as LearningEvent], i), i + 1, () => false);
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    const emitted = kafka.log.filter((record) => record.topic === settings.topics.aggregates);
    const times = new Map<string, number[]>();
    for (const aggregate of kafka.values<ClassAggregate>(settings.topics.aggregates)) {
      times.set(aggregate.classId, [...(times.get(aggregate.classId) ?? []), aggregate.updatedAt]);
    }
    for (const series of times.values()) {
      for (let i = 1; i < series.length; i++) {
        expect((series[i] as number) - (series[i - 1] as number)).toBeGreaterThanOrEqual(
          settings.emitIntervalMs,
        );
      }
    }
    expect(emitted.length).toBeLessThan(events.length);
    expect(latestAggregates(kafka).get('class-0')).toMatchObject({ totalExecutions: 13, totalErrors: 7 });
    expect(latestAggregates(kafka).get('class-1')).toMatchObject({ totalExecutions: 13, totalErrors: 7 });
    expect(kafka.offsets.get(0)).toBe(40);
    await worker.close();
  });

  it('after an aborted transaction restores the committed state and rewinds the input: totals stay exact', async () => {
    const kafka = new MemoryKafka();
    const { worker, seeks } = startWorker(kafka);
    await worker.whenReady();
    const events = script(30);
    await worker.handleBatch(inputRecords(events.slice(0, 10), 0), 10, () => false);
    await vi.advanceTimersByTimeAsync(300);
    kafka.failNext = 1;
    await worker.handleBatch(inputRecords(events.slice(10, 20), 10), 20, () => false);
    await vi.advanceTimersByTimeAsync(300);
    expect(seeks.at(-1)).toBe(10); // the committed offset: the consumer reads 10..19 again
    await worker.handleBatch(inputRecords(events.slice(10, 30), 10), 30, () => false);
    await vi.advanceTimersByTimeAsync(300);
    const all = latestAggregates(kafka);
    expect((all.get('class-0')?.totalExecutions ?? 0) + (all.get('class-1')?.totalExecutions ?? 0)).toBe(20);
    expect((all.get('class-0')?.totalErrors ?? 0) + (all.get('class-1')?.totalErrors ?? 0)).toBe(10);
    expect(kafka.offsets.get(0)).toBe(30);
    await worker.close();
  });

  it('a new owner restores the state and re-emits it; input it already counted is skipped', async () => {
    const kafka = new MemoryKafka();
    const events = script(20);
    const first = startWorker(kafka);
    await first.worker.whenReady();
    await first.worker.handleBatch(inputRecords(events.slice(0, 12), 0), 12, () => false);
    await vi.advanceTimersByTimeAsync(300);
    await first.worker.close(); // as if killed: whatever was not committed is lost

    const second = startWorker(kafka);
    await second.worker.whenReady();
    expect(second.seeks).toEqual([12]);
    await vi.advanceTimersByTimeAsync(300);
    // The consumer may still deliver from an older offset (its committed offset was read earlier).
    await second.worker.handleBatch(inputRecords(events.slice(8, 20), 8), 20, () => false);
    await vi.advanceTimersByTimeAsync(300);
    const all = latestAggregates(kafka);
    expect((all.get('class-0')?.totalExecutions ?? 0) + (all.get('class-1')?.totalExecutions ?? 0)).toBe(13);
    expect((all.get('class-0')?.totalErrors ?? 0) + (all.get('class-1')?.totalErrors ?? 0)).toBe(7);
    await second.worker.close();
  });
});
