import { apiKeySchemeProperties, commonProperties, type ApiKeySchemeConfig, type CommonConfig } from '../../auth/schema.ts';

export const authApiKeySchema = {
  properties: { ...apiKeySchemeProperties, ...commonProperties },
} as const;

export type AuthApiKeyConfig = ApiKeySchemeConfig & CommonConfig;
