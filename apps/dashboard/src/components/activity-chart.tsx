import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { type Activity, activityWindow, sum } from '../state/activity';
import { clockTime, plural } from '../state/format';
import { UPlotChart } from './uplot-chart';

const EXECUTIONS = '#2563eb';
const ERRORS = '#c2410c';

const chartOptions = (width: number): uPlot.Options => ({
  width,
  height: 190,
  scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
  axes: [{}, { label: 'per minute', size: 50 }],
  series: [
    {},
    {
      label: 'Executions',
      stroke: EXECUTIONS,
      width: 2,
      fill: 'rgba(37, 99, 235, 0.08)',
      points: { show: false },
    },
    // Dashed as well as orange: the two lines differ by more than colour.
    { label: 'Errors', stroke: ERRORS, width: 2, dash: [6, 4], points: { show: false } },
  ],
  legend: { show: true, live: false },
  cursor: { drag: { x: false, y: false } },
});

/** Executions and errors per minute over the last hour, from the live aggregates. */
export function ActivityChart({ activity, now }: { activity: Activity; now: number }) {
  // The window moves with the minute; the data object changes when the counts or the minute do.
  const minute = Math.floor(now / 60_000);
  const window = useMemo(() => activityWindow(activity, minute * 60_000), [activity, minute]);
  const data = useMemo<uPlot.AlignedData>(() => [window.times, window.executions, window.errors], [window]);
  const executions = sum(window.executions);
  const errors = sum(window.errors);
  const lastExecutions = window.executions.at(-1) ?? 0;
  const lastErrors = window.errors.at(-1) ?? 0;
  const busy = window.times
    .map((time, i) => ({ time, executions: window.executions[i] ?? 0, errors: window.errors[i] ?? 0 }))
    .filter((row) => row.executions > 0 || row.errors > 0)
    .slice(-10)
    .reverse();

  return (
    <figure
      class="panel chart"
      aria-labelledby="activity-title"
      data-chart="activity"
      data-executions={executions}
      data-errors={errors}
    >
      <h2 id="activity-title">Executions and errors per minute</h2>
      <UPlotChart options={chartOptions} data={data} height={190} />
      <figcaption class="chart-summary" data-testid="activity-summary">
        Last hour: {plural(executions, 'execution')}, {plural(errors, 'error')}. This minute:{' '}
        {plural(lastExecutions, 'execution')}, {plural(lastErrors, 'error')}.
      </figcaption>
      <details class="chart-data">
        <summary>Data as a table</summary>
        {busy.length === 0 ? (
          <p>No executions in the last hour.</p>
        ) : (
          <table>
            <caption class="sr-only">Busiest recent minutes, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Minute</th>
                <th scope="col">Executions</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {busy.map((row) => (
                <tr key={row.time}>
                  <td>{clockTime(row.time * 1000)}</td>
                  <td>{row.executions}</td>
                  <td>{row.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </figure>
  );
}
