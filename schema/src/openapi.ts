// The subset of OpenAPI v3 a CustomResourceDefinition's structural schema takes,
// as lttle emits it (schema/src/crd.ts).
/** A node of a CRD's openAPIV3Schema (the subset lttle emits). */
export interface OpenApiNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  default?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, OpenApiNode>;
  additionalProperties?: OpenApiNode;
  items?: OpenApiNode;
  anyOf?: OpenApiNode[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'set' | 'atomic' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}
