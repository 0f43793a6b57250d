import { randomBytes } from 'node:crypto';
import { LmsClient, provisionClasses, type Roster } from '@cellstream/simulator';

export interface Classroom extends Roster {
  admin: string;
  /** A session token of the instructor who owns the classes. */
  instructorToken: string;
}

/**
 * Classes, students (each enrolled, with an ingest token for its class) and their instructor,
 * created through lms-api exactly as the simulator creates them.
 */
export async function provisionClassroom(
  lmsUrl: string,
  env: Record<string, string>,
  { classes = 2, students = 10 } = {},
): Promise<Classroom> {
  const lms = new LmsClient(lmsUrl);
  const adminUser = env.ADMIN_USERNAME ?? 'admin';
  const adminPassword = env.ADMIN_PASSWORD ?? 'cellstream-admin';
  const roster = await provisionClasses({
    lms,
    classes,
    students,
    prefix: `F${randomBytes(3).toString('hex').toUpperCase()}`,
    adminUser,
    adminPassword,
  });
  const admin = await lms.login(adminUser, adminPassword);
  const instructor = roster.instructor as { username: string; password: string };
  const instructorToken = (await lms.login(instructor.username, instructor.password)).token;
  return { ...roster, admin: admin.token, instructorToken };
}
