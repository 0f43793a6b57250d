import { describe, expect, it } from 'vitest';
import { formatLagTable, type GroupLag, lagSnapshot, partitionLag } from '../../src/ops/lag-report.js';

describe('consumer lag', () => {
  it('is the end minus the committed offset', () => {
    expect(partitionLag(90n, 0n, 100n)).toEqual({ committed: 90n, lag: 10n });
    expect(partitionLag(100n, 0n, 100n)).toEqual({ committed: 100n, lag: 0n });
  });

  it('counts everything retained when the group never committed, as the apps do', () => {
    expect(partitionLag(-1n, 20n, 100n)).toEqual({ committed: null, lag: 80n });
  });

  it('does not count records retention deleted below the low watermark', () => {
    expect(partitionLag(5n, 50n, 100n)).toEqual({ committed: 5n, lag: 50n });
  });

  it('prints one row per partition with the change since the last refresh', () => {
    const groups: GroupLag[] = [
      {
        group: 'persister-pg',
        state: 'Stable',
        members: 3,
        total: 12n,
        partitions: [
          {
            group: 'persister-pg',
            topic: 'learning.events.v1',
            partition: 0,
            committed: 88n,
            low: 0n,
            high: 100n,
            lag: 12n,
          },
        ],
      },
      { group: 'idle', state: 'Empty', members: 0, total: 0n, partitions: [] },
    ];
    const before = lagSnapshot(groups);
    const later = structuredClone(groups);
    const row = later[0]?.partitions[0];
    if (!row) throw new Error('fixture');
    row.lag = 4n;
    const table = formatLagTable(later, before).split('\n');
    expect(table[0]).toMatch(
      /^GROUP\s+STATE\s+MEMBERS\s+TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+CHANGE$/,
    );
    expect(table[1]?.split(/\s+/)).toEqual([
      'persister-pg',
      'Stable',
      '3',
      'learning.events.v1',
      '0',
      '88',
      '100',
      '4',
      '-8',
    ]);
    expect(table[2]?.split(/\s+/)).toEqual(['idle', 'Empty', '0', '-', '-', '-', '-', '-']);
  });
});
