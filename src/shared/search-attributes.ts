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

/** How the Temporal CLI spells each SDK type (`temporal operator search-attribute create --type`). */
const CLI_TYPE_NAMES = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
} as const;

/** name -> Temporal CLI type, for `temporal operator search-attribute create` and the dev server flags; derived from SA. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<
  string,
  (typeof CLI_TYPE_NAMES)[keyof typeof CLI_TYPE_NAMES]
> = Object.fromEntries(Object.values(SA).map((key) => [key.name, CLI_TYPE_NAMES[key.type]]));
