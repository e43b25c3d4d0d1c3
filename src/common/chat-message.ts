/** A stored chat message as the service handles it internally: `ts` in epoch milliseconds. */
export interface ChatMessage {
  readonly id: string;
  readonly room: string;
  readonly user: string;
  readonly text: string;
  readonly ts: number;
}

/** A page of messages in a keyset pagination. */
export interface MessagePage {
  readonly messages: readonly ChatMessage[];
  readonly hasMore: boolean;
}
