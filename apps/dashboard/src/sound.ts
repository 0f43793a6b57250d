/**
 * A short two-tone chime for new help requests and stuck students, made with Web Audio (no file
 * to load). Browsers only allow sound after a user gesture, so the context is created when the
 * instructor turns sound on.
 */
let context: AudioContext | null = null;

export function enableSound(): void {
  context ??= new AudioContext();
  void context.resume();
}

export function chime(): void {
  if (context?.state !== 'running') return;
  const start = context.currentTime;
  for (const [offset, frequency] of [
    [0, 880],
    [0.18, 660],
  ] as const) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.2, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.16);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.17);
  }
}

const KEY = 'cellstream.dashboard.sound';

export function soundPreference(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

export function saveSoundPreference(on: boolean): void {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // Storage may be disabled; the toggle still works for this page.
  }
}
