-- Keeps the progress summaries of 0002 (per student and class, cell, notebook) in step with
-- cell_executions.
-- Hand-written: drizzle has no triggers. Statement-level triggers see every row a statement
-- changed at once (transition tables), so a persister batch of 500 rows costs two grouped
-- upserts, not 500; an INSERT ... ON CONFLICT DO NOTHING shows them only the rows it inserted.

-- Writers wait here until the triggers exist, so no row is stored uncounted during the backfill.
LOCK TABLE "cell_executions" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
CREATE FUNCTION "progress_add_executions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- In key order, so two writers touching the same students lock them in the same order.
  INSERT INTO student_class_progress AS p (class_id, user_id, executions, errors, last_activity)
  SELECT class_id, user_id,
         count(*) FILTER (WHERE event_type = 'cell_execution_complete'),
         count(*) FILTER (WHERE event_type = 'cell_execution_error'),
         max(event_time)
    FROM inserted
   WHERE class_id IS NOT NULL
   GROUP BY class_id, user_id
   ORDER BY class_id, user_id
  ON CONFLICT (class_id, user_id) DO UPDATE
     SET executions = p.executions + excluded.executions,
         errors = p.errors + excluded.errors,
         last_activity = greatest(p.last_activity, excluded.last_activity);

  -- The cells first run by this statement, or first completed by it, move their notebook's
  -- counters (xmax = 0: the row was inserted, not updated).
  WITH changed AS (
    INSERT INTO student_cell_progress AS c (class_id, user_id, notebook_id, cell_id, completed)
    SELECT class_id, user_id, notebook_id, cell_id,
           bool_or(event_type = 'cell_execution_complete' AND NOT has_error)
      FROM inserted
     WHERE class_id IS NOT NULL AND notebook_id IS NOT NULL AND cell_id IS NOT NULL
     GROUP BY class_id, user_id, notebook_id, cell_id
     ORDER BY class_id, user_id, notebook_id, cell_id
    -- A cell run again changes nothing unless it now completes: no row rewritten per re-run.
    ON CONFLICT (class_id, user_id, notebook_id, cell_id) DO UPDATE
       SET completed = true
     WHERE excluded.completed AND NOT c.completed
    RETURNING c.class_id, c.user_id, c.notebook_id, c.xmax = 0 AS first_run, c.completed
  )
  INSERT INTO student_notebook_progress AS n (class_id, user_id, notebook_id, cells_executed, cells_completed)
  SELECT class_id, user_id, notebook_id, count(*) FILTER (WHERE first_run), count(*) FILTER (WHERE completed)
    FROM changed
   GROUP BY class_id, user_id, notebook_id
   ORDER BY class_id, user_id, notebook_id
  ON CONFLICT (class_id, user_id, notebook_id) DO UPDATE
     SET cells_executed = n.cells_executed + excluded.cells_executed,
         cells_completed = n.cells_completed + excluded.cells_completed;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "progress_recount"(class_ids text[], user_ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- The three summaries of these (class, student) pairs, counted again from cell_executions:
  -- after a delete (rare and wide: retention, a student's erasure), and for the backfill below.
  DELETE FROM student_class_progress p USING unnest(class_ids, user_ids) AS t(class_id, user_id)
   WHERE p.class_id = t.class_id AND p.user_id = t.user_id;
  INSERT INTO student_class_progress (class_id, user_id, executions, errors, last_activity)
  SELECT e.class_id, e.user_id,
         count(*) FILTER (WHERE e.event_type = 'cell_execution_complete'),
         count(*) FILTER (WHERE e.event_type = 'cell_execution_error'),
         max(e.event_time)
    FROM cell_executions e JOIN unnest(class_ids, user_ids) AS t(class_id, user_id) ON e.class_id = t.class_id AND e.user_id = t.user_id
   GROUP BY e.class_id, e.user_id;

  DELETE FROM student_cell_progress c USING unnest(class_ids, user_ids) AS t(class_id, user_id)
   WHERE c.class_id = t.class_id AND c.user_id = t.user_id;
  INSERT INTO student_cell_progress (class_id, user_id, notebook_id, cell_id, completed)
  SELECT e.class_id, e.user_id, e.notebook_id, e.cell_id,
         bool_or(e.event_type = 'cell_execution_complete' AND NOT e.has_error)
    FROM cell_executions e JOIN unnest(class_ids, user_ids) AS t(class_id, user_id) ON e.class_id = t.class_id AND e.user_id = t.user_id
   WHERE e.notebook_id IS NOT NULL AND e.cell_id IS NOT NULL
   GROUP BY e.class_id, e.user_id, e.notebook_id, e.cell_id;

  DELETE FROM student_notebook_progress n USING unnest(class_ids, user_ids) AS t(class_id, user_id)
   WHERE n.class_id = t.class_id AND n.user_id = t.user_id;
  INSERT INTO student_notebook_progress (class_id, user_id, notebook_id, cells_executed, cells_completed)
  SELECT c.class_id, c.user_id, c.notebook_id, count(*), count(*) FILTER (WHERE c.completed)
    FROM student_cell_progress c JOIN unnest(class_ids, user_ids) AS t(class_id, user_id) ON c.class_id = t.class_id AND c.user_id = t.user_id
   GROUP BY c.class_id, c.user_id, c.notebook_id;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "progress_recompute_after_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM progress_recount(array_agg(class_id), array_agg(user_id))
     FROM (SELECT DISTINCT class_id, user_id FROM deleted WHERE class_id IS NOT NULL) touched;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "progress_clear"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- DELETE, not TRUNCATE: a TRUNCATE ... CASCADE may be truncating these tables already.
  DELETE FROM student_class_progress;
  DELETE FROM student_cell_progress;
  DELETE FROM student_notebook_progress;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "cell_executions_progress_insert" AFTER INSERT ON "cell_executions"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "progress_add_executions"();
--> statement-breakpoint
CREATE TRIGGER "cell_executions_progress_delete" AFTER DELETE ON "cell_executions"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "progress_recompute_after_delete"();
--> statement-breakpoint
CREATE TRIGGER "cell_executions_progress_truncate" AFTER TRUNCATE ON "cell_executions"
  FOR EACH STATEMENT EXECUTE FUNCTION "progress_clear"();
--> statement-breakpoint
-- The rows stored before this migration.
SELECT progress_recount(array_agg(class_id), array_agg(user_id))
  FROM (SELECT DISTINCT class_id, user_id FROM "cell_executions" WHERE class_id IS NOT NULL) pairs;
