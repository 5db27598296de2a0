import { commonProperties, jwtSchemeProperties, type CommonConfig, type JwtSchemeConfig } from '../../auth/schema.ts';

export const authJwtSchema = {
  properties: { ...jwtSchemeProperties, ...commonProperties },
  required: ['issuers'],
} as const;

export type AuthJwtConfig = JwtSchemeConfig & CommonConfig;
