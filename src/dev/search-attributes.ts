/**
 * The search attributes as the Temporal CLI names them, for `temporal server start-dev --search-attribute` and
 * `temporal operator search-attribute create`. Derived from SA; kept out of shared/ because workflow code imports
 * shared/search-attributes.ts, and every run would build this table again for nothing.
 */
import { SearchAttributeType } from '@temporalio/common';
import { SA } from '../shared/search-attributes';

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
