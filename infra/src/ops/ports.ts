import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The pid of the process listening on a local TCP port, from /proc (Linux), so the doctor can
 * name the exact process to restart even when the stack CLI did not start it. Undefined when it
 * cannot tell (another OS, another user's process).
 */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const local = columns[1];
      // State 0A is LISTEN; the port is the hex after the colon.
      if (
        local &&
        columns[3] === '0A' &&
        Number.parseInt(local.split(':')[1] ?? '', 16) === port &&
        columns[9]
      ) {
        inodes.add(columns[9]);
      }
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of safeList('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of safeList(`/proc/${entry}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return Number(entry);
    }
  }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
