import { commonProperties, type CommonConfig } from '../../auth/schema.ts';
import { mtlsSchemeProperties, type MtlsSchemeConfig } from '../../auth/mtls-schema.ts';

export const authMtlsSchema = {
  properties: { ...mtlsSchemeProperties, ...commonProperties },
} as const;

export type AuthMtlsConfig = MtlsSchemeConfig & CommonConfig;
