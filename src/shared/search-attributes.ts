import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes every alert run carries (registered on the server by src/dev/temporal.ts). */
export const SA = {
  status: defineSearchAttributeKey('AlertStatus', SearchAttributeType.KEYWORD),
  type: defineSearchAttributeKey('AlertType', SearchAttributeType.KEYWORD),
  priority: defineSearchAttributeKey('AlertPriority', SearchAttributeType.KEYWORD),
  agent: defineSearchAttributeKey('AlertAgent', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('AlertSource', SearchAttributeType.KEYWORD),
  transactionId: defineSearchAttributeKey('AlertTransactionId', SearchAttributeType.KEYWORD),
  /** The desktop channel that delivered (`agent-app`, `notifications-endpoint`), or `none`. */
  channel: defineSearchAttributeKey('AlertChannel', SearchAttributeType.KEYWORD),
  /** Why each channel tried before was skipped, as `channel:reason` (`agent-app:no_live_session`). */
  channelSkips: defineSearchAttributeKey('AlertChannelSkips', SearchAttributeType.KEYWORD_LIST),
} as const;
