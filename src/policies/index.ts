// Every policy the gateway knows, by name. Adding a policy = one folder + one line here.
import type { PolicyFactory } from '../core/policy.ts';
import { authApiKey } from './auth-apikey/index.ts';
import { authIntrospection } from './auth-introspection/index.ts';
import { authJwt } from './auth-jwt/index.ts';
import { authMtls } from './auth-mtls/index.ts';
import { authSchemes } from './auth-schemes/index.ts';
import { authSignature } from './auth-signature/index.ts';
import { authorize } from './authorize/index.ts';
import { circuitBreaker } from './circuit-breaker/index.ts';
import { cors } from './cors/index.ts';
import { dataLeak } from './data-leak/index.ts';
import { errorSanitizer } from './error-sanitizer/index.ts';
import { inspect } from './inspect/index.ts';
import { ipFilter } from './ip-filter/index.ts';
import { jsonLimits } from './json-limits/index.ts';
import { massAssignment } from './mass-assignment/index.ts';
import { ownership } from './ownership/index.ts';
import { pagination } from './pagination/index.ts';
import { preAuthRateLimit } from './pre-auth-rate-limit/index.ts';
import { rateLimit } from './rate-limit/index.ts';
import { requestSize } from './request-size/index.ts';
import { responseFilter } from './response-filter/index.ts';
import { securityHeaders } from './security-headers/index.ts';
import { validate } from './validate/index.ts';

export const POLICY_FACTORIES: readonly PolicyFactory<any>[] = [ipFilter, requestSize, cors, securityHeaders, validate, inspect, authSchemes, authJwt, authApiKey, authIntrospection, authMtls, authSignature, authorize, ownership, massAssignment, errorSanitizer, responseFilter, dataLeak, preAuthRateLimit, rateLimit, pagination, circuitBreaker, jsonLimits];

export const POLICIES_BY_NAME: ReadonlyMap<string, PolicyFactory<any>> = new Map(POLICY_FACTORIES.map((f) => [f.name, f]));
