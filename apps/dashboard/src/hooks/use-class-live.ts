import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ConnectionState, RealtimeClient } from '../realtime/client';
import { applyActions, type ClassAction, type ClassLiveState, initialClassState } from '../state/class-state';
import { FrameBatcher } from '../state/frame-batcher';

export interface ClassLive {
  state: ClassLiveState;
  connection: ConnectionState;
  /** Applies an action with the next frame's batch (the activity seed). */
  dispatch: (action: ClassAction) => void;
  retry: () => void;
}

/**
 * A class's live state: a RealtimeClient feeding the reducer through a FrameBatcher, so however
 * many messages arrive in a frame, the page renders once.
 */
export function useClassLive(url: string, token: string, classId: string): ClassLive {
  const [state, setState] = useState(() => initialClassState(classId));
  const [connection, setConnection] = useState<ConnectionState>({ kind: 'connecting', attempt: 0 });
  const batcher = useRef<FrameBatcher<ClassAction> | null>(null);
  const client = useRef<RealtimeClient | null>(null);

  useEffect(() => {
    setState(initialClassState(classId));
    const batch = new FrameBatcher<ClassAction>((actions) =>
      setState((current) => applyActions(current, actions)),
    );
    const live = new RealtimeClient({
      url,
      token,
      classId,
      onMessage: (message) => batch.push(message),
      onState: setConnection,
    });
    batcher.current = batch;
    client.current = live;
    live.start();
    const online = () => live.retryNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      live.stop();
      batch.close();
      batcher.current = null;
      client.current = null;
    };
  }, [url, token, classId]);

  const dispatch = useCallback((action: ClassAction) => batcher.current?.push(action), []);
  const retry = useCallback(() => client.current?.retryNow(), []);
  return { state, connection, dispatch, retry };
}

/** The current time, updated every `stepMs` (relative times and countdowns). */
export function useNow(stepMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), stepMs);
    return () => clearInterval(timer);
  }, [stepMs]);
  return now;
}
