// Every audit rule, in the order of the documentation (by OWASP category, then severity).
import { adminSecurityShared, adminUnprotected } from './admin.ts';
import { readUnprotected, securitySchemeUndefined, writeUnprotected } from './access.ts';
import { apiKeyInUrl, httpBasic, insecureAuthScheme, jwtBestPractices, oauth2DeprecatedFlow, shortLivedTokens } from './auth-schemes.ts';
import { corsUndefined, corsWildcardCredentials } from './cors.ts';
import { credentialsInUrl } from './credentials-in-url.ts';
import { response401Missing, response4xxMissing, response500Missing, responseValidationMissing } from './errors.ts';
import { deprecatedWithoutSunset, serverAudienceUndeclared, serverEnvironmentUndeclared } from './inventory.ts';
import { arrayUnbounded, integerFormatMissing, integerUnbounded, stringUnbounded, stringUnrestricted } from './limits.ts';
import { massAssignmentPrivileged, massAssignmentServerFields, readOnlyWriteOnlyConflict } from './mass-assignment.ts';
import { numericIdInPath } from './object-ids.ts';
import { listUnbounded } from './pagination.ts';
import { patternInvalid, patternRedos } from './patterns.ts';
import { additionalPropertiesImplicit, additionalPropertiesUnbounded } from './properties.ts';
import { rateLimitHeadersMissing, rateLimitResponseMissing, rateLimitRetryAfterMissing } from './rate-limit.ts';
import { sensitiveFieldInResponse } from './sensitive.ts';
import { urlParameter, uriWithoutAllowList } from './ssrf.ts';
import { parameterInInvalid } from './parameters.ts';
import { authUrlHttp, serverHttp } from './transport.ts';
import type { Rule } from '../types.ts';

export const RULES: readonly Rule[] = Object.freeze([
  // API1 Broken Object Level Authorization
  numericIdInPath,
  // API2 Broken Authentication
  writeUnprotected,
  readUnprotected,
  httpBasic,
  insecureAuthScheme,
  apiKeyInUrl,
  credentialsInUrl,
  authUrlHttp,
  jwtBestPractices,
  shortLivedTokens,
  oauth2DeprecatedFlow,
  // API3 Broken Object Property Level Authorization
  massAssignmentPrivileged,
  sensitiveFieldInResponse,
  additionalPropertiesUnbounded,
  additionalPropertiesImplicit,
  massAssignmentServerFields,
  readOnlyWriteOnlyConflict,
  // API4 Unrestricted Resource Consumption
  patternRedos,
  stringUnbounded,
  arrayUnbounded,
  listUnbounded,
  rateLimitResponseMissing,
  integerUnbounded,
  rateLimitRetryAfterMissing,
  rateLimitHeadersMissing,
  stringUnrestricted,
  integerFormatMissing,
  // API5 Broken Function Level Authorization
  adminUnprotected,
  adminSecurityShared,
  // API7 Server Side Request Forgery
  urlParameter,
  uriWithoutAllowList,
  // API8 Security Misconfiguration
  serverHttp,
  parameterInInvalid,
  corsWildcardCredentials,
  securitySchemeUndefined,
  response4xxMissing,
  corsUndefined,
  response401Missing,
  response500Missing,
  responseValidationMissing,
  patternInvalid,
  // API9 Improper Inventory Management
  deprecatedWithoutSunset,
  serverEnvironmentUndeclared,
  serverAudienceUndeclared,
]);

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((rule) => [rule.id, rule]));
