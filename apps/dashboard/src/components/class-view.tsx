import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useClassData } from '../hooks/use-class-data';
import { useClassLive, useNow } from '../hooks/use-class-live';
import { chime, enableSound, saveSoundPreference, soundPreference } from '../sound';
import { csvFileName, rowsToCsv } from '../state/csv';
import { groupErrors } from '../state/error-groups';
import {
  attentionRows,
  createRowBuilder,
  defaultView,
  type SortKey,
  type ViewOptions,
  viewRows,
} from '../state/students';
import { ActivityChart } from './activity-chart';
import { AlertFeed } from './alert-feed';
import { Assignments } from './assignments';
import { AttentionNotice } from './attention-notice';
import { ClassMessage } from './class-message';
import { ConnectionBadge } from './connection-badge';
import { ErrorGroups } from './error-groups';
import { GridToolbar } from './grid-toolbar';
import { ProgressChart } from './progress-chart';
import { StudentDrawer } from './student-drawer';
import { StudentGrid } from './student-grid';
import { Tiles } from './tiles';

interface Props {
  api: ApiClient;
  token: string;
  realtimeUrl: string;
  classId: string;
  student: string | null;
  onOpenStudent: (userId: string | null) => void;
  onBack: () => void;
  onSessionExpired: () => void;
}

/** Sorting by a column first goes in its natural direction: names A→Z, counts high→low. */
const firstDirection = (key: SortKey) => (key === 'executions' || key === 'errors' ? 'desc' : 'asc');

export function ClassView(props: Props) {
  const { api, token, realtimeUrl, classId, student, onOpenStudent } = props;
  const data = useClassData(api, classId);
  const live = useClassLive(realtimeUrl, token, classId);
  const now = useNow(live.connection.kind === 'reconnecting' ? 1_000 : 5_000);
  const [view, setView] = useState<ViewOptions>(defaultView);
  const [sound, setSound] = useState(soundPreference);

  // The activity chart starts with the last hour from lms-api (InfluxDB), then grows live.
  useEffect(() => {
    api.activity(classId, { interval: '1m', range: '1h' }).then(
      (answer) => live.dispatch({ type: 'activity_seed', buckets: answer.buckets }),
      () => undefined, // InfluxDB down: the chart starts empty and fills from the live stream.
    );
  }, [api, classId, live.dispatch]);

  useEffect(() => {
    if (live.connection.kind === 'unauthorized') props.onSessionExpired();
  }, [live.connection.kind]);

  const buildRows = useMemo(() => createRowBuilder(), [classId]);
  const rows = useMemo(
    () => buildRows(data.roster ?? [], live.state.students),
    [buildRows, data.roster, live.state.students],
  );
  const shown = useMemo(() => viewRows(rows, view), [rows, view]);
  const attention = useMemo(() => attentionRows(rows), [rows]);
  const groups = useMemo(() => groupErrors(rows), [rows]);
  const names = useMemo(() => new Map(rows.map((row) => [row.userId, row.name])), [rows]);
  const enrolled = data.roster?.length ?? rows.length;

  // A chime for each newly raised hand or newly stuck student (not for those already there).
  const known = useRef<Set<string> | null>(null);
  useEffect(() => {
    if (live.state.snapshots === 0) return;
    const current = new Set(
      [...attention.help, ...attention.stuck].map((row) => `${row.attention}:${row.userId}`),
    );
    const before = known.current;
    known.current = current;
    if (before && sound && [...current].some((key) => !before.has(key))) chime();
  }, [attention, live.state.snapshots, sound]);

  const changeSound = (on: boolean) => {
    if (on) enableSound();
    setSound(on);
    saveSoundPreference(on);
  };

  const sortBy = (key: SortKey) =>
    setView((current) => ({
      ...current,
      sort:
        current.sort.key === key
          ? { key, direction: current.sort.direction === 'asc' ? 'desc' : 'asc' }
          : { key, direction: firstDirection(key) },
    }));

  const exportCsv = () => {
    const blob = new Blob([`\ufeff${rowsToCsv(shown)}`], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = csvFileName(data.info?.class_code ?? `class-${classId}`, new Date());
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const selected = student ? rows.find((row) => row.userId === student) : undefined;
  const aggregate = live.state.aggregate;

  return (
    <main id="main" class="class-view" data-class-id={classId}>
      <header class="class-head">
        <div>
          <button type="button" class="link-button" onClick={props.onBack}>
            ← All classes
          </button>
          <h1>
            {data.info ? data.info.name : `Class ${classId}`}
            {data.info && <span class="muted"> · {data.info.class_code}</span>}
          </h1>
          {data.errors.class && <p class="error-text">{data.errors.class}</p>}
        </div>
        <ConnectionBadge
          state={live.connection}
          now={now}
          lastUpdateAt={live.state.lastUpdateAt}
          onRetry={live.retry}
          onLogin={props.onSessionExpired}
        />
      </header>

      <AttentionNotice
        help={attention.help}
        stuck={attention.stuck}
        onOpen={onOpenStudent}
        sound={sound}
        onSoundChange={changeSound}
      />
      <Tiles aggregate={aggregate} enrolled={enrolled} />

      <div class="class-main">
        <section class="panel students" aria-labelledby="students-title">
          <h2 id="students-title">Students</h2>
          {data.errors.roster && (
            <p class="error-text">Could not load the class list: {data.errors.roster}</p>
          )}
          <GridToolbar
            view={view}
            shown={shown.length}
            total={rows.length}
            onChange={setView}
            onExport={exportCsv}
          />
          <StudentGrid
            rows={shown}
            total={rows.length}
            view={view}
            now={now}
            selected={student}
            onSort={sortBy}
            onOpen={onOpenStudent}
          />
        </section>
        <div class="charts">
          {/* The chart's last minute follows the newest update, not only the 5 s ticker. */}
          <ActivityChart activity={live.state.activity} now={Math.max(now, live.state.lastUpdateAt ?? 0)} />
          <ProgressChart perCell={aggregate?.perCell ?? []} enrolled={enrolled} />
        </div>
      </div>

      <div class="columns">
        <ErrorGroups
          api={api}
          classId={classId}
          groups={groups}
          topErrors={aggregate?.topErrors ?? []}
          onOpenStudent={onOpenStudent}
        />
        <AlertFeed alerts={live.state.alerts} names={names} onOpenStudent={onOpenStudent} />
      </div>
      <Assignments
        api={api}
        assignments={data.assignments}
        submissions={data.submissions}
        roster={data.roster ?? []}
        error={data.errors.assignments ?? null}
        onSubmissionChanged={data.replaceSubmission}
      />
      <ClassMessage api={api} classId={classId} />

      {selected && (
        <StudentDrawer
          api={api}
          classId={classId}
          row={selected}
          perCell={aggregate?.perCell ?? []}
          now={now}
          onClose={() => onOpenStudent(null)}
        />
      )}
    </main>
  );
}
