/**
 * The event catalogue: every Pub/Sub pattern the service publishes or handles, with its payload.
 * On the wire an event is Nest's Redis-transport packet, `{"pattern": ..., "data": ...}`,
 * published on the channel named by the pattern.
 */
export const ChatEvents = {
  messageCreated: 'chat.message.created',
  exportRequested: 'chat.export.requested',
  exportCompleted: 'chat.export.completed',
  exportFailed: 'chat.export.failed',
} as const;

export type ChatEventPattern = (typeof ChatEvents)[keyof typeof ChatEvents];

/** A stored message as JSON: `ts` is ISO-8601 UTC with milliseconds. */
export interface MessageCreatedEvent {
  readonly id: string;
  readonly room: string;
  readonly user: string;
  readonly text: string;
  readonly ts: string;
}

/** A request to archive one room now, or every room when `room` is absent. */
export interface ExportRequestedEvent {
  readonly room?: string;
}

export interface ExportCompletedEvent {
  readonly room: string;
  readonly files: readonly { key: string; rows: number; bytes: number }[];
  readonly rows: number;
  readonly bytes: number;
}

export interface ExportFailedEvent {
  readonly room: string;
  readonly reason: string;
}

export interface ChatEventPayloads {
  [ChatEvents.messageCreated]: MessageCreatedEvent;
  [ChatEvents.exportRequested]: ExportRequestedEvent;
  [ChatEvents.exportCompleted]: ExportCompletedEvent;
  [ChatEvents.exportFailed]: ExportFailedEvent;
}
