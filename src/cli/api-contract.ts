/**
 * The ingress API's contract as the CLI's calls use it: request bodies, path parameters and response bodies come
 * from the types generated from the OpenAPI (api-types.generated.ts, `npm run openapi:types`), so an API change the
 * CLI does not follow fails the type-check.
 */
import type { AlertState } from '../shared/messages';
import type { components, paths } from './api-types.generated';

export type Method = 'get' | 'post';

/** The paths the spec has an operation with this method on. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type Operation<M extends Method, P extends PathOf<M>> = NonNullable<paths[P][M]>;

/** The `{name}`s of a path template. */
type ParamNames<P> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;

type JsonContent<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type SuccessStatus = 200 | 201 | 202;
type SuccessResponse<O> = O extends { responses: infer R } ? R[keyof R & SuccessStatus] : never;
type Query<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** Whether the spec says what a value holds: `never`, or an object type even `{}` fits, says nothing. */
type Said<T> = [T] extends [never] ? false : Record<never, never> extends T ? false : true;

/**
 * What the CLI sends and expects where the spec does not say yet (issue 17 makes the spec exact). Each entry gives
 * way to the spec's type once the spec describes that part, and `Stale` below then fails the type-check until the
 * entry is deleted: the CLI never keeps its own idea of something the spec describes.
 */
interface Unspecified {
  'get /v1/alerts/{alertId}': { response: AlertState };
  'post /v1/alerts/{alertId}/cancel': { request: { reason?: string } };
  'get /v1/dead-letters': { query: { limit: number; after: number } };
  'post /v1/dead-letters/replay': { response: { replayed: number; skipped: number } };
}

type Part = 'request' | 'response' | 'query';

/** What the spec says of one part of an operation: its JSON request body, its 2xx JSON body, its query. */
type SpecPart<M extends Method, P extends PathOf<M>, Pt extends Part> = Pt extends 'request'
  ? JsonContent<NonNullable<Operation<M, P>['requestBody']>>
  : Pt extends 'response'
    ? JsonContent<SuccessResponse<Operation<M, P>>>
    : Query<Operation<M, P>>;

type Fallback<M extends Method, P extends PathOf<M>, Pt extends Part> = `${M} ${P}` extends keyof Unspecified
  ? Pt extends keyof Unspecified[`${M} ${P}`]
    ? Unspecified[`${M} ${P}`][Pt]
    : never
  : never;

/** The spec's type of a part of a call when it says one, else the CLI's own (Unspecified), else nothing. */
type Typed<M extends Method, P extends PathOf<M>, Pt extends Part> =
  Said<SpecPart<M, P, Pt>> extends true ? SpecPart<M, P, Pt> : Fallback<M, P, Pt>;

export type RequestBody<M extends Method, P extends PathOf<M>> = Typed<M, P, 'request'>;
export type ResponseBody<M extends Method, P extends PathOf<M>> = Typed<M, P, 'response'>;
export type QueryParams<M extends Method, P extends PathOf<M>> = Typed<M, P, 'query'>;
/** A value for each `{name}` of the path template. */
export type PathParams<P> = { [N in ParamNames<P>]: string | number };

/** An Unspecified part the spec now describes, or an entry for an operation the spec no longer has. */
type Stale = {
  [K in keyof Unspecified]: K extends `${infer M extends Method} ${infer P}`
    ? P extends PathOf<M>
      ? {
          [Pt in keyof Unspecified[K] & Part]: Said<SpecPart<M, P, Pt>> extends true ? `${K}: ${Pt}` : never;
        }[keyof Unspecified[K] & Part]
      : `${K}: no such operation in the spec`
    : never;
}[keyof Unspecified];
// The type-check fails here, naming them, until such entries are deleted.
const noStaleEntries: [Stale] extends [never]
  ? true
  : { 'the spec describes these now: delete them from Unspecified': Stale } = true;
void noStaleEntries;

/** POST /v1/alerts's body as the spec has it. */
export type AlertRequestBody = components['schemas']['AlertRequest'];

/** RFC 9457 problem details as the spec has them; every field optional, as a proxy's error may say anything. */
export type Problem = Partial<components['schemas']['Problem']> & { [k: string]: unknown };
