import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { AssignmentDto, ClassDto, SubmissionDto } from '../api/types';
import type { RosterEntry } from '../state/students';

export interface ClassData {
  info: ClassDto | null;
  roster: RosterEntry[] | null;
  assignments: AssignmentDto[] | null;
  submissions: SubmissionDto[];
  errors: { class?: string | undefined; roster?: string | undefined; assignments?: string | undefined };
}

export interface ClassDataApi extends ClassData {
  /** Puts a submission lms-api answered (after grading) in place of the one loaded. */
  replaceSubmission(submission: SubmissionDto): void;
}

const ASSIGNMENTS_REFRESH_MS = 30_000;

/** What lms-api knows about a class, loaded once when the class opens. */
export function useClassData(api: ApiClient, classId: string): ClassDataApi {
  const [data, setData] = useState<ClassData>({
    info: null,
    roster: null,
    assignments: null,
    submissions: [],
    errors: {},
  });

  useEffect(() => {
    let cancelled = false;
    const update = (change: (current: ClassData) => ClassData) => {
      if (!cancelled) setData(change);
    };
    setData({ info: null, roster: null, assignments: null, submissions: [], errors: {} });
    api.class(classId).then(
      (info) => update((current) => ({ ...current, info })),
      (error: Error) =>
        update((current) => ({ ...current, errors: { ...current.errors, class: error.message } })),
    );
    api.progress(classId).then(
      (students) =>
        update((current) => ({
          ...current,
          roster: students.map((student) => ({
            userId: student.userId,
            displayName: student.displayName,
            executions: student.executions,
            errors: student.errors,
            lastActivity: student.lastActivity ? Date.parse(student.lastActivity) : null,
          })),
        })),
      (error: Error) =>
        update((current) => ({
          ...current,
          roster: [],
          errors: { ...current.errors, roster: error.message },
        })),
    );
    const loadAssignments = () =>
      Promise.all([api.assignments(classId), api.submissions(classId)]).then(
        ([assignments, submissions]) =>
          update((current) => ({
            ...current,
            assignments,
            submissions,
            errors: { ...current.errors, assignments: undefined },
          })),
        (error: Error) =>
          update((current) => ({ ...current, errors: { ...current.errors, assignments: error.message } })),
      );
    void loadAssignments();
    // Submissions come in during class; they are not on the live stream, so look again now and then.
    const timer = setInterval(() => void loadAssignments(), ASSIGNMENTS_REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api, classId]);

  const replaceSubmission = useCallback((submission: SubmissionDto) => {
    setData((current) => ({
      ...current,
      submissions: current.submissions.some((item) => item.id === submission.id)
        ? current.submissions.map((item) => (item.id === submission.id ? submission : item))
        : [...current.submissions, submission],
    }));
  }, []);

  return { ...data, replaceSubmission };
}
