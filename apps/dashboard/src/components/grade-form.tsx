import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { AssignmentDto, SubmissionDto } from '../api/types';

interface Props {
  api: ApiClient;
  assignment: AssignmentDto;
  submission: SubmissionDto;
  studentName: string;
  onSaved: (submission: SubmissionDto) => void;
  onCancel: () => void;
}

/**
 * Grades one submission: score (0 to the assignment's maximum) and feedback, or returns it for
 * another attempt. lms-api checks the range too and notifies the student either way.
 */
export function GradeForm({ api, assignment, submission, studentName, onSaved, onCancel }: Props) {
  const [score, setScore] = useState(submission.score === null ? '' : String(submission.score));
  const [feedback, setFeedback] = useState(submission.feedback ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const idBase = `grade-${submission.id}`;

  const run = (action: () => Promise<SubmissionDto>) => {
    setBusy(true);
    setError(null);
    action().then(
      (saved) => {
        setBusy(false);
        onSaved(saved);
      },
      (failure: Error) => {
        setBusy(false);
        setError(failure.message);
      },
    );
  };

  const save = (event: Event) => {
    event.preventDefault();
    const value = Number(score);
    if (score.trim() === '' || !Number.isFinite(value)) {
      setError('Enter a score.');
      return;
    }
    run(() => api.grade(submission.id, { score: value, feedback: feedback.trim() === '' ? null : feedback }));
  };

  const giveBack = () =>
    run(() => api.returnSubmission(submission.id, feedback.trim() === '' ? null : feedback));

  return (
    <form class="grade-form" onSubmit={save} data-testid="grade-form" aria-label={`Grade ${studentName}`}>
      <label for={`${idBase}-score`}>
        Score
        {assignment.max_score === null ? '' : ` (out of ${assignment.max_score})`}
      </label>
      <input
        id={`${idBase}-score`}
        type="number"
        min={0}
        max={assignment.max_score ?? undefined}
        step="any"
        required
        value={score}
        onInput={(event) => setScore((event.target as HTMLInputElement).value)}
      />
      <label for={`${idBase}-feedback`}>Feedback</label>
      <textarea
        id={`${idBase}-feedback`}
        rows={3}
        maxLength={100_000}
        value={feedback}
        onInput={(event) => setFeedback((event.target as HTMLTextAreaElement).value)}
      />
      <div class="form-actions">
        <button type="submit" disabled={busy}>
          Save grade
        </button>
        <button type="button" disabled={busy || submission.status === 'returned'} onClick={giveBack}>
          Return for another attempt
        </button>
        <button type="button" class="link-button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
