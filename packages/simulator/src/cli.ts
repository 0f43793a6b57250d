import { SimulatorError } from './errors.js';
import { parseCliOptions, usage } from './options.js';
import { startSimulation } from './simulator.js';
import { formatSummary } from './summary.js';

/**
 * `npm run simulate -- ...` (tsx --conditions=source packages/simulator/src/cli.ts). Progress
 * on stderr; the summary on stderr, and as JSON on stdout with --json. Exit 0 when every event
 * was acknowledged, 1 when some failed or the run could not start, 2 for bad flags.
 */
async function main(): Promise<number> {
  let cli: ReturnType<typeof parseCliOptions>;
  try {
    cli = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`simulate: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const run = startSimulation(cli.simulation);
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nsimulate: stopping (Ctrl-C again to stop at once)\n');
      run.stop();
    } else {
      run.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await run.done;
    process.stderr.write(`simulate: ${formatSummary(summary)}\n`);
    if (cli.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } catch (error) {
    const code = error instanceof SimulatorError ? `${error.code}: ` : '';
    process.stderr.write(`simulate: ${code}${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main();
