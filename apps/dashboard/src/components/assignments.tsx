import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { AssignmentDto, SubmissionDto } from '../api/types';
import type { RosterEntry } from '../state/students';
import { GradeForm } from './grade-form';
import { Icon } from './icon';

interface Props {
  api: ApiClient;
  assignments: readonly AssignmentDto[] | null;
  submissions: readonly SubmissionDto[];
  roster: readonly RosterEntry[];
  error: string | null;
  /** A submission graded or returned here, as lms-api answered it. */
  onSubmissionChanged: (submission: SubmissionDto) => void;
}

const statusText: Record<SubmissionDto['status'], string> = {
  submitted: 'Submitted',
  graded: 'Graded',
  returned: 'Returned',
};

/** The class's assignments with who has submitted, from lms-api; each submission can be graded here. */
export function Assignments({ api, assignments, submissions, roster, error, onSubmissionChanged }: Props) {
  const [open, setOpen] = useState<number | null>(null);
  const [grading, setGrading] = useState<number | null>(null);
  return (
    <section class="panel" aria-labelledby="assignments-title" data-testid="assignments">
      <h2 id="assignments-title">Assignments</h2>
      {error && <p class="error-text">Could not load the assignments: {error}</p>}
      {assignments === null && !error && <p class="muted">Loading…</p>}
      {assignments?.length === 0 && <p class="empty">This class has no assignments.</p>}
      <ul class="assignments">
        {assignments?.map((assignment) => {
          const own = submissions.filter((submission) => submission.assignment_id === assignment.id);
          const byStudent = new Map(own.map((submission) => [submission.student_id, submission]));
          const expanded = open === assignment.id;
          const panelId = `assignment-${assignment.id}`;
          return (
            <li key={assignment.id} data-assignment-id={assignment.id}>
              <button
                type="button"
                class="assignment-toggle"
                aria-expanded={expanded}
                aria-controls={panelId}
                onClick={() => setOpen(expanded ? null : assignment.id)}
              >
                <span aria-hidden="true">{expanded ? '▾ ' : '▸ '}</span>
                <strong>{assignment.title}</strong>
                <span class="muted">
                  {assignment.notebook_path ? ` · ${assignment.notebook_path}` : ''}
                  {assignment.due_at ? ` · due ${new Date(assignment.due_at).toLocaleString()}` : ''}
                </span>
                <span class="submitted-count" data-testid="submitted-count">
                  {' '}
                  {byStudent.size} of {roster.length} submitted
                </span>
              </button>
              <progress max={Math.max(1, roster.length)} value={byStudent.size} aria-hidden="true" />
              {expanded && (
                <table id={panelId} class="compact">
                  <caption class="sr-only">Submissions for {assignment.title}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Student</th>
                      <th scope="col">Submission</th>
                      <th scope="col">Score</th>
                      <th scope="col">Feedback</th>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {roster.map((student) => {
                      const submission = byStudent.get(student.userId);
                      const name = student.displayName || student.userId;
                      const formOpen = submission !== undefined && grading === submission.id;
                      return [
                        <tr
                          key={student.userId}
                          data-user-id={student.userId}
                          data-submitted={submission ? 'true' : 'false'}
                          data-submission-status={submission?.status}
                          data-late={submission ? String(submission.late) : undefined}
                        >
                          <td>{name}</td>
                          <td>
                            {submission ? (
                              <>
                                <Icon name="check" /> {statusText[submission.status]}{' '}
                                {new Date(submission.submitted_at).toLocaleString()}
                                {submission.late && (
                                  <span class="late-badge" data-testid="late-badge">
                                    {' '}
                                    <Icon name="warning" /> Late
                                  </span>
                                )}
                                {submission.extended && <span class="muted"> (extended)</span>}
                              </>
                            ) : (
                              <>
                                <Icon name="circle" /> Not submitted
                              </>
                            )}
                          </td>
                          <td data-col="score">
                            {submission?.score ?? '—'}
                            {submission?.score !== null &&
                            submission?.score !== undefined &&
                            assignment.max_score !== null
                              ? ` / ${assignment.max_score}`
                              : ''}
                          </td>
                          <td data-col="feedback" class="feedback-cell">
                            {submission?.feedback ?? ''}
                          </td>
                          <td>
                            {submission && (
                              <button
                                type="button"
                                class="link-button"
                                aria-expanded={formOpen}
                                onClick={() => setGrading(formOpen ? null : submission.id)}
                              >
                                {submission.status === 'submitted' ? 'Grade' : 'Change grade'}
                                <span class="sr-only"> {name}</span>
                              </button>
                            )}
                          </td>
                        </tr>,
                        formOpen && submission ? (
                          <tr key={`${student.userId}-grade`} class="grade-row">
                            <td colSpan={5}>
                              <GradeForm
                                api={api}
                                assignment={assignment}
                                submission={submission}
                                studentName={name}
                                onSaved={(saved) => {
                                  onSubmissionChanged(saved);
                                  setGrading(null);
                                }}
                                onCancel={() => setGrading(null)}
                              />
                            </td>
                          </tr>
                        ) : null,
                      ];
                    })}
                  </tbody>
                </table>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
