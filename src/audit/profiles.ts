// Profiles: `strict` runs every rule at its own severity; `pragmatic` turns off the noisiest rules and
// lowers those that most real documents trip, to adopt the audit in CI without a wall of findings.
import type { Severity } from './types.ts';

export const PROFILE_NAMES = ['strict', 'pragmatic'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Per rule: 'off', or the severity it takes in the profile. Rules not listed keep their own. */
export type ProfileOverrides = Readonly<Record<string, Severity | 'off'>>;

export const PROFILES: Readonly<Record<ProfileName, { readonly description: string; readonly overrides: ProfileOverrides }>> = {
  strict: {
    description: 'every rule at its own severity (the default)',
    overrides: {},
  },
  pragmatic: {
    description: 'the noisiest rules off or lowered: for adopting the audit on existing APIs',
    overrides: {
      'string-unrestricted': 'off',
      'integer-format-missing': 'off',
      'server-audience-undeclared': 'off',
      'rate-limit-headers-missing': 'off',
      'additional-properties-implicit': 'off',
      'cors-undefined': 'off',
      'read-unprotected': 'low',
      'string-unbounded': 'low',
      'integer-unbounded': 'info',
      'response-401-missing': 'info',
      'response-500-missing': 'info',
      'response-validation-missing': 'info',
      'server-environment-undeclared': 'info',
      'numeric-id-in-path': 'low',
    },
  },
};
