/**
 * Body checks of the registration endpoints (OAuthClientRequest, CreateIntegrationRequest, PATCH of an
 * integration, IntegrationConfiguration): every problem reported, in the Genesys `details` shape.
 */
import type { EmulatorIntegrationConfig, EmulatorRoleDivision, OAuthGrantType } from './types';
import type { FieldProblem } from './validate';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

export interface ValidClientRequest {
  name: string;
  description?: string;
  authorizedGrantType: OAuthGrantType;
  registeredRedirectUri: string[];
  accessTokenValiditySeconds: number;
  roleIds: string[];
  scope: string[];
  roleDivisions: EmulatorRoleDivision[];
}

/** A checked config PUT: the stored configuration without the fields the emulator sets (id, selfUri). */
export type ValidConfigPut = Omit<EmulatorIntegrationConfig, 'id' | 'selfUri'>;

export const GRANT_TYPES: readonly OAuthGrantType[] = [
  'CODE',
  'TOKEN',
  'CLIENT-CREDENTIALS',
  'SAML2-BEARER',
  'PASSWORD',
];
/** The platform's token lifetime bounds, as remembered (not verified). Default one day. */
export const TOKEN_VALIDITY = { min: 300, max: 172_800, default: 86_400 };
export const CLIENT_APP_TYPE = 'embedded-client-app';
const DISPLAY_TYPES = ['standalone', 'widget'];

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Absolute http(s). */
function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Absolute http(s), no fragment (RFC 6749 3.1.2). */
const isRedirectUri = (v: unknown): v is string => isHttpUrl(v) && !v.includes('#');

/** Collects problems; `body` is the JSON object under check. */
function checker(body: unknown) {
  const problems: FieldProblem[] = [];
  const add = (fieldName: string, errorCode: string, message: string) =>
    problems.push({ fieldName, errorCode, message });
  const obj = isObject(body) ? body : null;
  if (!obj) add('body', 'invalid.type', 'The request body must be a JSON object.');
  const field = (name: string): unknown => obj?.[name];
  const str = (name: string, required: boolean): string | undefined => {
    const v = field(name);
    if (v === undefined || v === null) {
      if (required && obj) add(name, 'required', `${name} is required.`);
      return undefined;
    }
    if (typeof v !== 'string') add(name, 'invalid.type', `${name} must be a string.`);
    else if (required && !v.trim()) add(name, 'required', `${name} must not be empty.`);
    else return v;
    return undefined;
  };
  const strings = (name: string): string[] => {
    const v = field(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      add(name, 'invalid.type', `${name} must be an array of strings.`);
      return [];
    }
    return v as string[];
  };
  const object = (name: string): Record<string, unknown> => {
    const v = field(name);
    if (v === undefined || v === null) return {};
    if (!isObject(v)) add(name, 'invalid.type', `${name} must be a JSON object.`);
    return isObject(v) ? v : {};
  };
  const result = <T>(value: () => T): Checked<T> =>
    problems.length ? { ok: false, problems } : { ok: true, value: value() };
  return { obj, add, field, str, strings, object, result };
}

/** OAuthClientRequest: name and authorizedGrantType required; CODE and TOKEN need redirect URIs. */
export function checkClientRequest(body: unknown): Checked<ValidClientRequest> {
  const c = checker(body);
  const name = c.str('name', true);
  const description = c.str('description', false);
  const grant = c.str('authorizedGrantType', true);
  if (grant !== undefined && !GRANT_TYPES.includes(grant as OAuthGrantType))
    c.add(
      'authorizedGrantType',
      'invalid.value',
      `authorizedGrantType must be one of ${GRANT_TYPES.join(', ')}.`,
    );
  const uris = c.strings('registeredRedirectUri');
  if (uris.some((u) => !isRedirectUri(u)))
    c.add(
      'registeredRedirectUri',
      'invalid.value',
      'registeredRedirectUri entries must be absolute http(s) URLs without a fragment.',
    );
  if ((grant === 'CODE' || grant === 'TOKEN') && c.obj && uris.length === 0)
    c.add('registeredRedirectUri', 'required', `registeredRedirectUri is required for the ${grant} grant.`);
  const validity = c.field('accessTokenValiditySeconds') ?? TOKEN_VALIDITY.default;
  if (
    typeof validity !== 'number' ||
    !Number.isInteger(validity) ||
    validity < TOKEN_VALIDITY.min ||
    validity > TOKEN_VALIDITY.max
  )
    c.add(
      'accessTokenValiditySeconds',
      'invalid.value',
      `accessTokenValiditySeconds must be an integer from ${TOKEN_VALIDITY.min} to ${TOKEN_VALIDITY.max}.`,
    );
  const roleIds = c.strings('roleIds');
  const scope = c.strings('scope');
  const rd = c.field('roleDivisions') ?? [];
  const rdOk =
    Array.isArray(rd) &&
    rd.every((r) => isObject(r) && typeof r.roleId === 'string' && typeof r.divisionId === 'string');
  if (!rdOk)
    c.add('roleDivisions', 'invalid.type', 'roleDivisions must be an array of {roleId, divisionId}.');
  return c.result(() => ({
    name: name!,
    ...(description !== undefined ? { description } : {}),
    authorizedGrantType: grant as OAuthGrantType,
    registeredRedirectUri: uris,
    accessTokenValiditySeconds: validity as number,
    roleIds,
    scope,
    roleDivisions: (rd as EmulatorRoleDivision[]).map((r) => ({
      roleId: r.roleId,
      divisionId: r.divisionId,
    })),
  }));
}

/** CreateIntegrationRequest: name and integrationType.id required; only Client Apps are known here. */
export function checkCreateIntegration(body: unknown): Checked<{ name: string; typeId: string }> {
  const c = checker(body);
  const name = c.str('name', true);
  const type = c.field('integrationType');
  let typeId: string | undefined;
  if (c.obj && (!isObject(type) || typeof type.id !== 'string' || !type.id))
    c.add('integrationType.id', 'required', 'integrationType.id is required.');
  else if (isObject(type) && type.id !== CLIENT_APP_TYPE)
    c.add('integrationType.id', 'invalid.value', `Unknown integration type ${String(type.id)}.`);
  else typeId = CLIENT_APP_TYPE;
  return c.result(() => ({ name: name!, typeId: typeId! }));
}

/** PATCH of an integration: intendedState (ENABLED/DISABLED); other fields are ignored. */
export function checkPatchIntegration(body: unknown): Checked<{ intendedState?: 'ENABLED' | 'DISABLED' }> {
  const c = checker(body);
  const state = c.str('intendedState', false);
  if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED')
    c.add('intendedState', 'invalid.value', 'intendedState must be ENABLED or DISABLED.');
  return c.result(() => (state ? { intendedState: state as 'ENABLED' | 'DISABLED' } : {}));
}

/**
 * IntegrationConfiguration for a PUT: name and version required; properties, advanced, credentials
 * objects; a Client App's properties.url absolute http(s), displayType standalone|widget, sandbox a
 * string, groups an array of ids (the emulator's reading of the type's schema, not the schema itself).
 */
export function checkConfigPut(body: unknown): Checked<ValidConfigPut> {
  const c = checker(body);
  const name = c.str('name', true);
  const version = c.field('version');
  if (c.obj && (typeof version !== 'number' || !Number.isInteger(version) || version < 1))
    c.add(
      'version',
      version === undefined ? 'required' : 'invalid.value',
      'version must be a positive integer.',
    );
  const properties = c.object('properties');
  const advanced = c.object('advanced');
  const credentials = c.object('credentials');
  const notes = c.str('notes', false) ?? '';
  const p = properties;
  if (p.url !== undefined && !isHttpUrl(p.url))
    c.add('properties.url', 'invalid.value', 'properties.url must be an absolute http(s) URL.');
  if (p.displayType !== undefined && !DISPLAY_TYPES.includes(p.displayType as string))
    c.add('properties.displayType', 'invalid.value', 'properties.displayType must be standalone or widget.');
  if (p.sandbox !== undefined && typeof p.sandbox !== 'string')
    c.add('properties.sandbox', 'invalid.type', 'properties.sandbox must be a comma-separated string.');
  if (p.groups !== undefined && (!Array.isArray(p.groups) || p.groups.some((g) => typeof g !== 'string')))
    c.add('properties.groups', 'invalid.type', 'properties.groups must be an array of group ids.');
  return c.result(() => ({
    name: name!,
    version: version as number,
    properties,
    advanced,
    notes,
    credentials,
  }));
}
