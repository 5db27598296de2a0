// The fail-open / fail-closed choice of the policies that read response bodies, for bodies larger
// than they may buffer.
export const onOversizeSchema = {
  type: 'string',
  enum: ['block', 'pass'],
  default: 'block',
  description: 'A response larger than `maxBodySize`: withheld with 502 PCL_ERR_RESPONSE_UNINSPECTABLE (`block`, fail closed), or sent unchecked and recorded as a report (`pass`, fail open).',
} as const;

export type OnOversize = 'block' | 'pass';
