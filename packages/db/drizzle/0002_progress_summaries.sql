CREATE TABLE "student_cell_progress" (
	"class_id" text NOT NULL,
	"user_id" text NOT NULL,
	"notebook_id" integer NOT NULL,
	"cell_id" text NOT NULL,
	"completed" boolean DEFAULT false NOT NULL,
	CONSTRAINT "student_cell_progress_pkey" PRIMARY KEY("class_id","user_id","notebook_id","cell_id")
);
--> statement-breakpoint
CREATE TABLE "student_class_progress" (
	"class_id" text NOT NULL,
	"user_id" text NOT NULL,
	"executions" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"last_activity" timestamp with time zone,
	CONSTRAINT "student_class_progress_pkey" PRIMARY KEY("class_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "student_notebook_progress" (
	"class_id" text NOT NULL,
	"user_id" text NOT NULL,
	"notebook_id" integer NOT NULL,
	"cells_executed" integer DEFAULT 0 NOT NULL,
	"cells_completed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "student_notebook_progress_pkey" PRIMARY KEY("class_id","user_id","notebook_id")
);
--> statement-breakpoint
ALTER TABLE "student_cell_progress" ADD CONSTRAINT "student_cell_progress_user_id_students_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."students"("user_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "student_cell_progress" ADD CONSTRAINT "student_cell_progress_notebook_id_notebooks_id_fk" FOREIGN KEY ("notebook_id") REFERENCES "public"."notebooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "student_class_progress" ADD CONSTRAINT "student_class_progress_user_id_students_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."students"("user_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "student_notebook_progress" ADD CONSTRAINT "student_notebook_progress_user_id_students_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."students"("user_id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "student_notebook_progress" ADD CONSTRAINT "student_notebook_progress_notebook_id_notebooks_id_fk" FOREIGN KEY ("notebook_id") REFERENCES "public"."notebooks"("id") ON DELETE cascade ON UPDATE no action;