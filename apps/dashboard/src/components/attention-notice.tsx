import { cellLabel } from '../state/format';
import type { StudentRow } from '../state/students';
import { Icon } from './icon';

interface Props {
  help: readonly StudentRow[];
  stuck: readonly StudentRow[];
  onOpen: (userId: string) => void;
  sound: boolean;
  onSoundChange: (on: boolean) => void;
}

function Names({
  rows,
  onOpen,
  describe,
}: {
  rows: readonly StudentRow[];
  onOpen: (userId: string) => void;
  describe?: (row: StudentRow) => string;
}) {
  return (
    <ul class="notice-names">
      {rows.map((row) => (
        <li key={row.userId}>
          <button type="button" class="link-button" onClick={() => onOpen(row.userId)}>
            {row.name}
          </button>
          {describe ? <span class="muted"> {describe(row)}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/**
 * Who needs the instructor now: open help requests and stuck students, announced to screen
 * readers as they appear, with an optional chime.
 */
export function AttentionNotice({ help, stuck, onOpen, sound, onSoundChange }: Props) {
  const count = help.length + stuck.length;
  return (
    <section
      class={`notice${count > 0 ? ' notice-active' : ''}`}
      aria-label="Students who need attention"
      data-testid="attention-notice"
    >
      <div aria-live="assertive" aria-atomic="true">
        {count === 0 ? (
          <p class="notice-calm">
            <Icon name="check" /> No help requests and no stuck students.
          </p>
        ) : (
          <div class="notice-groups">
            {help.length > 0 && (
              <div class="notice-group" data-notice="help">
                <strong>
                  <Icon name="hand" />{' '}
                  {help.length === 1 ? '1 student asks for help' : `${help.length} students ask for help`}:
                </strong>
                <Names rows={help} onOpen={onOpen} />
              </div>
            )}
            {stuck.length > 0 && (
              <div class="notice-group" data-notice="stuck">
                <strong>
                  <Icon name="stop" />{' '}
                  {stuck.length === 1 ? '1 student is stuck' : `${stuck.length} students are stuck`}:
                </strong>
                <Names
                  rows={stuck}
                  onOpen={onOpen}
                  describe={(row) =>
                    `(${[row.lastErrorName, cellLabel(row.cellIndex, row.cellId)].filter((part) => part && part !== '—').join(', ')})`
                  }
                />
              </div>
            )}
          </div>
        )}
      </div>
      <button
        type="button"
        class="sound-toggle"
        aria-pressed={sound}
        onClick={() => onSoundChange(!sound)}
        title="Play a chime when a student asks for help or gets stuck"
      >
        <Icon name={sound ? 'bell' : 'bellOff'} /> Sound {sound ? 'on' : 'off'}
      </button>
    </section>
  );
}
