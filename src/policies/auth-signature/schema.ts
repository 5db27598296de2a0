import { commonProperties, type CommonConfig } from '../../auth/schema.ts';
import { signatureSchemeProperties, type SignatureSchemeConfig } from '../../auth/signature-schema.ts';

export const authSignatureSchema = {
  properties: { ...signatureSchemeProperties, ...commonProperties },
  required: ['consumers'],
} as const;

export type AuthSignatureConfig = SignatureSchemeConfig & CommonConfig;
