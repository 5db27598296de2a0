import { ATTACK_CLASSES } from '../../detect/index.ts';

const classList = { type: 'array', items: { type: 'string', enum: [...ATTACK_CLASSES] } } as const;

export const inspectSchema = {
  properties: {
    paranoia: { type: 'integer', enum: [1, 2, 3, 4], default: 2, description: '1 (fewest false positives) to 4 (most detections).' },
    threshold: { type: 'number', exclusiveMinimum: 0, default: 5, description: 'Anomaly score at which a request is blocked (5 = one critical match).' },
    disable: { ...classList, default: [], description: 'Attack classes not looked for.' },
    exclusions: {
      type: 'array',
      default: [],
      description: 'Inputs that may legitimately look like an attack (a field that holds SQL or HTML).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'allow'],
        properties: {
          name: { type: 'string', description: 'Input name (query parameter, header, cookie, JSON key path, form field).' },
          location: { type: 'string', enum: ['path', 'query', 'header', 'header-other', 'cookie', 'body', 'json-key', 'form', 'multipart', 'xml'] },
          allow: { ...classList, description: 'Classes not reported for this input.' },
        },
      },
    },
    body: { type: 'boolean', default: true, description: 'Inspect request bodies (read into memory, within the body size limit).' },
    onTruncated: {
      type: 'string',
      enum: ['block', 'allow'],
      default: 'block',
      description: 'A request not inspected whole: a value longer than 128 KiB, or more parameters, multipart parts, JSON items or XML nodes than the inspector reads (1,000 parameters or parts, 10,000 JSON items, 4,000 XML nodes). `block` refuses it (413 `PCL_ERR_UNINSPECTABLE`, fail closed); `allow` lets it through with only its beginning inspected. A request the detection engine fails on is refused either way (413 `PCL_ERR_UNINSPECTABLE`, not an attack), and a multipart body that parsers may read differently with 400 `PCL_ERR_BAD_REQUEST`.',
    },
  },
} as const;

export interface InspectConfig {
  paranoia: 1 | 2 | 3 | 4;
  threshold: number;
  disable: string[];
  exclusions: { name: string; location?: string; allow: string[] }[];
  body: boolean;
  onTruncated: 'block' | 'allow';
}
