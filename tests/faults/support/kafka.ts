import type { Kafka } from 'kafkajs';

/** Records each group still has to read on `topic`: end offsets minus committed offsets. */
export async function groupLag(
  kafka: Kafka,
  topic: string,
  groups: readonly string[],
): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const lag: Record<string, number> = {};
    for (const groupId of groups) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      let behind = 0;
      for (const end of ends) {
        const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = Number(offset) < 0 ? Number(end.low) : Number(offset);
        behind += Number(end.high) - from;
      }
      lag[groupId] = behind;
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}
