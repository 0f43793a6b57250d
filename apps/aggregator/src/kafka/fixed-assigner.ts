import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * A partition assigner that gives chosen partitions of one topic to the group's first member. The
 * restore consumer uses it, alone in a group of its own, to read exactly the changelog partitions
 * it restores: kafkajs has no `assign()` without a group.
 */
export function fixedAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  const name = 'CellstreamFixedAssigner';
  const version = 1;
  const userData = Buffer.alloc(0);
  return () => ({
    name,
    version,
    async assign({ members }) {
      const [first, ...others] = members.map((member) => member.memberId).sort();
      if (first === undefined) return [];
      return [
        { memberId: first, assignment: { [topic]: [...partitions] } },
        ...others.map((memberId) => ({ memberId, assignment: {} })),
      ].map(({ memberId, assignment }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version, assignment, userData }),
      }));
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version, topics, userData }) };
    },
  });
}
