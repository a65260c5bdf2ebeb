// Which fields of schema/*.schema.json a front end does not have: every
// field must be a Terraform attribute and a Pulumi property. Tests call it
// on the real schemas and on a copy with a field added.
import { frontEndName } from '../../schema/src/casing';
import { childFields, type Field } from '../../schema/src/fields';
import type { PulumiType } from './pulumi/schema-gen';
import type { Attribute } from './terraform/schema';
import { attributeName, isStringUnion } from './terraform/schema-gen';

type PulumiTypes = Record<string, { properties?: Record<string, PulumiType> }>;

/** A union's object branch, a list's items, a map's values: where a Pulumi property's fields are. */
function pulumiFields(type: PulumiType | undefined, types: PulumiTypes): Record<string, PulumiType> {
  if (!type) return {};
  if (type.$ref) return types[type.$ref.replace('#/types/', '')]?.properties ?? {};
  const inner = type.items ?? type.additionalProperties;
  if (inner) return pulumiFields(inner, types);
  return Object.assign({}, ...(type.oneOf ?? []).map((t) => pulumiFields(t, types))) as Record<string, PulumiType>;
}

/**
 * Paths of the fields without a Terraform attribute or a Pulumi property
 * (empty: every field is there). `terraform` is undefined below a union that
 * Terraform writes as one string ("nth-listen:2").
 */
export function uncovered(fields: Field[], terraform: Attribute[] | undefined, pulumi: Record<string, PulumiType>, types: PulumiTypes): string[] {
  const missing: string[] = [];
  for (const field of fields) {
    // {regular: {}}: the object spelling of a union's string, which both front ends write as the string.
    if (field.shape.kind === 'empty') continue;
    const at = field.path.join('.');
    const attribute = terraform?.find((a) => a.name === attributeName(field));
    const property = pulumi[frontEndName(field.key, 'camel')];
    if (terraform && !attribute) missing.push(`terraform: ${at}`);
    if (!property) missing.push(`pulumi: ${at}`);
    const inner = childFields(field.shape);
    if (!inner.length) continue;
    const nested = terraform && !isStringUnion(field.shape) ? (attribute?.nested?.attributes ?? []) : undefined;
    missing.push(...uncovered(inner, nested, pulumiFields(property, types), types));
  }
  return missing;
}
