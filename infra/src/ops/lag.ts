/**
 * `npm run lag [-- --once] [--all] [--group <id>]...`: consumer lag per group and partition, refreshed
 * every LAG_REFRESH_MS (like `kafka-consumer-groups.sh --describe --all-groups`, but live), with
 * the change since the previous refresh. `--once` prints one table and exits; `--all` also lists
 * groups that never committed an offset.
 */

import { opsKafka } from './kafka.js';
import { fetchLag, formatLagTable, lagSnapshot } from './lag-report.js';
import { loadDotEnv, loadOpsSettings } from './settings.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write('Usage: npm run lag [-- --once] [--all] [--group <id>]...\n');
  process.exit(0);
}
const once = args.includes('--once');
// Groups that never committed (the aggregator's restore readers, realtime's, the registry's) are noise unless asked for.
const all = args.includes('--all');
const groups = args.flatMap((arg, index) =>
  arg === '--group' && args[index + 1] ? [args[index + 1] as string] : [],
);

loadDotEnv(new URL('../../../', import.meta.url).pathname);
const settings = loadOpsSettings();
const admin = opsKafka(settings.KAFKA_BROKERS, 'cellstream-lag', { fast: true }).admin();
const interactive = process.stdout.isTTY && !once;

let stopping = false;
const stop = () => {
  stopping = true;
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

try {
  await admin.connect();
  let previous: Map<string, bigint> | undefined;
  while (!stopping) {
    const lag = (await fetchLag(admin, groups.length > 0 ? { groups } : {})).filter(
      (group) => all || groups.length > 0 || group.partitions.length > 0,
    );
    const table = lag.length === 0 ? 'No consumer groups yet.' : formatLagTable(lag, previous);
    const title = `Consumer lag at ${new Date().toISOString()} (${settings.KAFKA_BROKERS.join(',')})`;
    process.stdout.write(`${interactive ? '\x1b[2J\x1b[H' : ''}${title}\n${table}\n${once ? '' : '\n'}`);
    if (once) break;
    previous = lagSnapshot(lag);
    const until = Date.now() + settings.LAG_REFRESH_MS;
    while (!stopping && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await admin.disconnect();
  process.exit(0);
} catch (error) {
  process.stderr.write(
    `[lag] cannot read consumer lag from ${settings.KAFKA_BROKERS.join(',')}: ${(error as Error).message}\n` +
      '      is Kafka up? npm run doctor\n',
  );
  await admin.disconnect().catch(() => {});
  process.exit(1);
}
