import { durationSchema } from '../../config/units.ts';

export const circuitBreakerSchema = {
  properties: {
    failures: { type: 'integer', minimum: 1, default: 5, description: 'Consecutive upstream failures (connection errors, timeouts, failureStatuses) that open the circuit.' },
    openFor: { ...durationSchema, default: '10s', description: `How long an open circuit refuses calls before letting probes through. ${durationSchema.description}` },
    halfOpenProbes: { type: 'integer', minimum: 1, default: 1, description: 'Calls let through at once while half-open; the first outcome decides: a success closes the circuit, a failure opens it again (later outcomes of the other probes are ignored).' },
    probeTimeout: { ...durationSchema, default: '30s', description: `A half-open circuit whose probes have all been out this long without an outcome counts that as a failure and opens again, instead of refusing every other call until the upstream timeouts end the probes. ${durationSchema.description}` },
    failureStatuses: { type: 'array', items: { type: 'integer', minimum: 500, maximum: 599 }, default: [502, 503, 504], description: 'Upstream response statuses counted as failures.' },
    maxConcurrent: { type: 'integer', minimum: 1, description: 'Calls in flight to the upstream at most (per gateway process); more are refused with 503.' },
    per: { type: 'string', enum: ['api', 'operation'], default: 'api', description: 'One circuit (and concurrency count) per API or per operation.' },
  },
} as const;

export interface CircuitBreakerConfig {
  failures: number;
  openFor: number | string;
  halfOpenProbes: number;
  probeTimeout: number | string;
  failureStatuses: number[];
  maxConcurrent?: number;
  per: 'api' | 'operation';
}
