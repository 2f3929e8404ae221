/** IPC between the bench and its load publisher process. */
export type PublisherCommand =
  | { cmd: 'connect'; url: string; username?: string; password?: string }
  | { cmd: 'paced'; rate: number; seconds: number; units: number }
  | { cmd: 'burst'; count: number; units: number; window: number }
  | { cmd: 'close' };

export type PublisherReply =
  | { kind: 'ready' }
  | { kind: 'connected' }
  | { kind: 'closed' }
  | { kind: 'error'; message: string }
  | {
      kind: 'paced';
      published: number;
      acked: number;
      errors: number;
      fromTs: number;
      toTs: number;
      /** Wall time the publishing took. */
      seconds: number;
      /** How long the last acknowledgements took after the last publish. */
      ackWaitMs: number;
      /** Worst lateness of a tick against its deadline (the load itself falling behind). */
      maxLateMs: number;
    }
  | {
      kind: 'burst';
      published: number;
      acked: number;
      errors: number;
      fromTs: number;
      toTs: number;
      seconds: number;
      /** performance.timeOrigin-based epoch ms of the first publish. */
      startedAt: number;
    };
