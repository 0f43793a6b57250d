import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';

interface Props {
  api: ApiClient;
  classId: string;
}

type Sent =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'sent'; title: string }
  | { state: 'failed'; message: string };

/** A system message to every student of the class (shown in their JupyterLab as it arrives). */
export function ClassMessage({ api, classId }: Props) {
  const [title, setTitle] = useState('');
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState<Sent>({ state: 'idle' });

  const send = (event: Event) => {
    event.preventDefault();
    if (title.trim() === '' || message.trim() === '') return;
    setSent({ state: 'sending' });
    api.sendMessage(classId, { title: title.trim(), message: message.trim() }).then(
      (answer) => {
        setSent({ state: 'sent', title: answer.title });
        setTitle('');
        setMessage('');
      },
      (error: Error) => setSent({ state: 'failed', message: error.message }),
    );
  };

  return (
    <section class="panel" aria-labelledby="class-message-title" data-testid="class-message">
      <h2 id="class-message-title">Message the class</h2>
      <form class="message-form" onSubmit={send}>
        <label for="class-message-subject">Title</label>
        <input
          id="class-message-subject"
          maxLength={200}
          required
          value={title}
          onInput={(event) => setTitle((event.target as HTMLInputElement).value)}
        />
        <label for="class-message-body">Message</label>
        <textarea
          id="class-message-body"
          rows={3}
          maxLength={10_000}
          required
          value={message}
          onInput={(event) => setMessage((event.target as HTMLTextAreaElement).value)}
        />
        <div class="form-actions">
          <button type="submit" disabled={sent.state === 'sending'}>
            Send to every student
          </button>
        </div>
      </form>
      <p role="status" class="muted" data-testid="class-message-status">
        {sent.state === 'sent' ? `Sent “${sent.title}” to the class.` : ''}
      </p>
      {sent.state === 'failed' && (
        <p class="error-text" role="alert">
          Could not send the message: {sent.message}
        </p>
      )}
    </section>
  );
}
