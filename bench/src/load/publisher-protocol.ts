/** IPC between the bench and its load publisher process. */
export type PublisherCommand =
  | { cmd: 'connect'; url: string; username?: string; password?: string }
  | { cmd: 'paced'; rate: number; seconds: number; units: number }
  /** `window` counts frames; with `fleetBatches` each tick's frames go out as fleet batches (encodeFleetBatches), QoS 1. */
  | { cmd: 'burst'; count: number; units: number; window: number; fleetBatches?: boolean }
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
      /** Frames (lines of fleet batches when publishing batches), published and acknowledged. */
      published: number;
      acked: number;
      /** MQTT messages published: frames, or fleet batches. */
      messages: number;
      errors: number;
      fromTs: number;
      toTs: number;
      seconds: number;
      /** performance.timeOrigin-based epoch ms of the first publish. */
      startedAt: number;
    };
