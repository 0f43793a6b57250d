import { useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { CellProgress } from '../realtime/messages';
import { cellLabel, notebookName } from '../state/format';
import { UPlotChart } from './uplot-chart';

const COMPLETED = '#2563eb';
const ERRORING = '#c2410c';

const chartOptions = (width: number): uPlot.Options => ({
  width,
  height: 190,
  // Half a cell of room either side, so the first and last bars are whole.
  scales: {
    x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
    y: { range: (_u, _min, max) => [0, Math.max(2, Math.ceil(max * 1.15))] },
  },
  axes: [
    {
      label: 'cell',
      // A tick at every cell that has data (uPlot would otherwise skip some).
      splits: (u) => [...(u.data[0] as number[])],
      values: (_u, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? String(tick) : '')),
    },
    { label: 'students', size: 50, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')) },
  ],
  series: [
    { label: 'Cell' },
    {
      label: 'Completed',
      stroke: COMPLETED,
      fill: 'rgba(37, 99, 235, 0.55)',
      paths: uPlot.paths.bars?.({ size: [0.6, 60] }),
      points: { show: false },
    },
    { label: 'Erroring', stroke: ERRORING, width: 2, dash: [6, 4], points: { show: true, size: 7 } },
  ],
  legend: { show: true, live: false },
  cursor: { drag: { x: false, y: false } },
});

/** The notebook most of the class works in: the one with the most executions. */
function busiestNotebook(cells: readonly CellProgress[]): string | null {
  const totals = new Map<string, number>();
  for (const cell of cells) {
    totals.set(cell.notebookPath, (totals.get(cell.notebookPath) ?? 0) + cell.executions + cell.errors);
  }
  let best: string | null = null;
  for (const [path, total] of totals) if (best === null || total > (totals.get(best) ?? 0)) best = path;
  return best;
}

/** Progress through a notebook: how many students completed each cell (and how many are failing on it). */
export function ProgressChart({ perCell, enrolled }: { perCell: readonly CellProgress[]; enrolled: number }) {
  const notebooks = useMemo(() => [...new Set(perCell.map((cell) => cell.notebookPath))].sort(), [perCell]);
  const [chosen, setChosen] = useState<string | null>(null);
  const notebook = chosen !== null && notebooks.includes(chosen) ? chosen : busiestNotebook(perCell);
  const cells = useMemo(
    () =>
      perCell
        .filter((cell) => cell.notebookPath === notebook)
        .sort((a, b) => (a.cellIndex ?? Number.MAX_SAFE_INTEGER) - (b.cellIndex ?? Number.MAX_SAFE_INTEGER)),
    [perCell, notebook],
  );
  const data = useMemo<uPlot.AlignedData>(
    () => [
      cells.map((cell, i) => (cell.cellIndex ?? i) + 1),
      cells.map((cell) => cell.studentsCompleted),
      cells.map((cell) => cell.studentsErroring),
    ],
    [cells],
  );

  return (
    <figure class="panel chart" aria-labelledby="progress-title" data-chart="progress">
      <div class="panel-head">
        <h2 id="progress-title">Progress through the notebook</h2>
        {notebooks.length > 1 && (
          <label class="inline-field">
            Notebook{' '}
            <select
              value={notebook ?? ''}
              onChange={(event) => setChosen(event.currentTarget.value)}
              aria-label="Notebook shown in the progress chart"
            >
              {notebooks.map((path) => (
                <option key={path} value={path}>
                  {path}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {cells.length === 0 ? (
        <p class="empty">No cell has been run yet.</p>
      ) : (
        <UPlotChart options={chartOptions} data={data} height={190} />
      )}
      <figcaption class="chart-summary" data-testid="progress-summary">
        {cells.length === 0
          ? 'Students completed per cell will appear here.'
          : `${notebookName(notebook)}: ${cells
              .map(
                (cell) =>
                  `${cellLabel(cell.cellIndex, cell.cellId)} completed by ${cell.studentsCompleted} of ${enrolled}`,
              )
              .join('; ')}.`}
      </figcaption>
      {cells.length > 0 && (
        <details class="chart-data">
          <summary>Data as a table</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Cell</th>
                <th scope="col">Completed</th>
                <th scope="col">Erroring now</th>
                <th scope="col">Executions</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {cells.map((cell) => (
                <tr key={cell.cellId}>
                  <td>{cellLabel(cell.cellIndex, cell.cellId)}</td>
                  <td>{cell.studentsCompleted}</td>
                  <td>{cell.studentsErroring}</td>
                  <td>{cell.executions}</td>
                  <td>{cell.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
