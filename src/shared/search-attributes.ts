import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes every alert run carries (registered on the server by src/dev/temporal.ts). */
export const SA = {
  status: defineSearchAttributeKey('AlertStatus', SearchAttributeType.KEYWORD),
  type: defineSearchAttributeKey('AlertType', SearchAttributeType.KEYWORD),
  priority: defineSearchAttributeKey('AlertPriority', SearchAttributeType.KEYWORD),
  agent: defineSearchAttributeKey('AlertAgent', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('AlertSource', SearchAttributeType.KEYWORD),
  transactionId: defineSearchAttributeKey('AlertTransactionId', SearchAttributeType.KEYWORD),
} as const;

/** name -> Temporal type, for `temporal operator search-attribute create` and the dev server flags. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, 'Keyword' | 'Text' | 'Int' | 'Datetime'> = {
  AlertStatus: 'Keyword',
  AlertType: 'Keyword',
  AlertPriority: 'Keyword',
  AlertAgent: 'Keyword',
  AlertSource: 'Keyword',
  AlertTransactionId: 'Keyword',
};
