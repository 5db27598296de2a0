// Every check module, in the order they run: reads before writes, mass assignment (which changes and
// restores an account) after the authorization checks, and the log-in burst last (a working limit may
// lock the scanner's address out).
import { bolaCheck } from './api1-bola.ts';
import { authenticationCheck, loginLimitCheck } from './api2-authentication.ts';
import { propertiesCheck } from './api3-properties.ts';
import { resourcesCheck } from './api4-resources.ts';
import { functionLevelCheck } from './api5-function-level.ts';
import { methodSwapCheck } from './api5-method-swap.ts';
import { ssrfCheck } from './api7-ssrf.ts';
import { injectionCheck } from './api8-injection.ts';
import { timeInjectionCheck } from './api8-time-injection.ts';
import { misconfigurationCheck } from './api8-misconfiguration.ts';
import { transportCheck } from './api8-transport.ts';
import { inventoryCheck } from './api9-inventory.ts';
import type { Check } from './check.ts';

export const CHECKS: readonly Check[] = [
  authenticationCheck,
  bolaCheck,
  functionLevelCheck,
  propertiesCheck,
  resourcesCheck,
  ssrfCheck,
  injectionCheck,
  timeInjectionCheck,
  misconfigurationCheck,
  transportCheck,
  inventoryCheck,
  methodSwapCheck, // deletes objects the scan created: after every check that reads them
  loginLimitCheck,
];

export const CHECK_INFOS = CHECKS.flatMap((c) => c.infos);
export const CHECK_IDS = CHECK_INFOS.map((i) => i.id);
