import type { Admin } from 'kafkajs';

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** Next offset the group will read; null when it never committed on this partition. */
  committed: bigint | null;
  low: bigint;
  high: bigint;
  /** Records not yet committed: high minus committed (minus low when never committed, as the apps count it). */
  lag: bigint;
}

export interface GroupLag {
  group: string;
  /** The broker's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  state: string;
  members: number;
  partitions: PartitionLag[];
  total: bigint;
}

/** Lag of one partition from its watermarks and the group's committed offset (-1 when none). */
export function partitionLag(
  committed: bigint,
  low: bigint,
  high: bigint,
): { committed: bigint | null; lag: bigint } {
  if (committed < 0n) return { committed: null, lag: high - low };
  // A committed offset below low means the records in between were deleted by retention.
  const from = committed < low ? low : committed;
  return { committed, lag: high > from ? high - from : 0n };
}

/**
 * Lag of each group on each topic it has committed on (or on `topicsByGroup` for groups given
 * explicitly, so a group that never committed still shows everything as lag).
 */
export async function fetchLag(
  admin: Admin,
  options: { groups?: string[]; topicsByGroup?: Record<string, string[]> } = {},
): Promise<GroupLag[]> {
  const groups =
    options.groups ??
    (await admin.listGroups()).groups
      .filter((group) => group.protocolType === 'consumer' || group.protocolType === '')
      .map((group) => group.groupId)
      .filter((groupId) => !groupId.startsWith('cellstream-ops-') && !groupId.startsWith('cellstream-tail-'))
      .sort();
  if (groups.length === 0) return [];
  const described = await admin.describeGroups(groups);
  const ends = new Map<string, Promise<{ partition: number; low: bigint; high: bigint }[]>>();
  const endsOf = (topic: string) => {
    let found = ends.get(topic);
    if (!found) {
      found = admin
        .fetchTopicOffsets(topic)
        .then((rows) =>
          rows.map((row) => ({ partition: row.partition, low: BigInt(row.low), high: BigInt(row.high) })),
        );
      ends.set(topic, found);
    }
    return found;
  };
  return Promise.all(
    groups.map(async (group) => {
      const description = described.groups.find((entry) => entry.groupId === group);
      const explicit = options.topicsByGroup?.[group];
      const committed = await admin.fetchOffsets({
        groupId: group,
        ...(explicit ? { topics: explicit } : {}),
      });
      const partitions: PartitionLag[] = [];
      for (const { topic, partitions: offsets } of committed) {
        const byPartition = new Map(offsets.map((entry) => [entry.partition, BigInt(entry.offset)]));
        for (const end of await endsOf(topic).catch(() => [])) {
          const { committed: next, lag } = partitionLag(
            byPartition.get(end.partition) ?? -1n,
            end.low,
            end.high,
          );
          partitions.push({
            group,
            topic,
            partition: end.partition,
            committed: next,
            low: end.low,
            high: end.high,
            lag,
          });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return {
        group,
        state: description?.state ?? 'Unknown',
        members: description?.members.length ?? 0,
        partitions,
        total: partitions.reduce((sum, row) => sum + row.lag, 0n),
      };
    }),
  );
}

/** The table `npm run lag` prints, like kafka-consumer-groups.sh --describe. */
export function formatLagTable(groups: GroupLag[], previous?: Map<string, bigint>): string {
  const header = ['GROUP', 'STATE', 'MEMBERS', 'TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'CHANGE'];
  const rows: string[][] = [header];
  for (const group of groups) {
    if (group.partitions.length === 0) {
      rows.push([group.group, group.state, String(group.members), '-', '-', '-', '-', '-', '']);
      continue;
    }
    for (const row of group.partitions) {
      const key = `${row.group}\0${row.topic}\0${row.partition}`;
      const before = previous?.get(key);
      const change = before === undefined ? '' : signed(row.lag - before);
      rows.push([
        row.group,
        group.state,
        String(group.members),
        row.topic,
        String(row.partition),
        row.committed === null ? '-' : row.committed.toString(),
        row.high.toString(),
        row.lag.toString(),
        change,
      ]);
    }
  }
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Lag by group, topic and partition, to show the change between two refreshes. */
export function lagSnapshot(groups: GroupLag[]): Map<string, bigint> {
  return new Map(
    groups.flatMap((group) =>
      group.partitions.map((row) => [`${row.group}\0${row.topic}\0${row.partition}`, row.lag] as const),
    ),
  );
}

function signed(value: bigint): string {
  return value > 0n ? `+${value}` : value === 0n ? '0' : value.toString();
}
