/**
 * The dashboard's pages, as paths (lms-api answers index.html for any path that is not a file or
 * an API route, so links and reloads work):
 *   /                                   the class picker
 *   /classes/{id}                       a class's live view
 *   /classes/{id}?student={userId}      ... with one student's drill-down open
 */
export type Route =
  | { page: 'classes' }
  | { page: 'class'; classId: string; student: string | null }
  | { page: 'not_found'; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/classes') return { page: 'classes' };
  const match = /^\/classes\/([^/]+)$/.exec(path);
  if (match?.[1]) {
    const student = new URLSearchParams(search).get('student');
    return { page: 'class', classId: decodeURIComponent(match[1]), student: student || null };
  }
  return { page: 'not_found', path };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'classes':
      return '/';
    case 'class': {
      const base = `/classes/${encodeURIComponent(route.classId)}`;
      return route.student ? `${base}?student=${encodeURIComponent(route.student)}` : base;
    }
    case 'not_found':
      return route.path;
  }
}
