import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from './routing';

describe('routes', () => {
  it('parses the pages', () => {
    expect(parseRoute('/', '')).toEqual({ page: 'classes' });
    expect(parseRoute('/classes/', '')).toEqual({ page: 'classes' });
    expect(parseRoute('/classes/12', '')).toEqual({ page: 'class', classId: '12', student: null });
    expect(parseRoute('/classes/12/', '?student=demo-student-01')).toEqual({
      page: 'class',
      classId: '12',
      student: 'demo-student-01',
    });
    expect(parseRoute('/nope', '')).toEqual({ page: 'not_found', path: '/nope' });
  });

  it('round-trips through hrefs, escaping what needs it', () => {
    const route = { page: 'class' as const, classId: '12', student: 'a b&c' };
    const href = routeHref(route);
    expect(href).toBe('/classes/12?student=a%20b%26c');
    const url = new URL(href, 'http://x');
    expect(parseRoute(url.pathname, url.search)).toEqual(route);
  });
});
