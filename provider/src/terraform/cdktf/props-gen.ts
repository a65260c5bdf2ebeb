// Writes props.ts: the CDKTF construct props of lttle_volume, lttle_app and lttle_volume_snapshot,
// one camelCase prop per configurable attribute of the generated Terraform
// schema (schema-gen.ts), so they follow schema/*.schema.json. `make docs`
// writes the file; props-gen.test.ts fails while the committed one is stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { fieldName, fromKebab, toKebab } from '../../../../schema/src/casing';
import { bundledDocuments, fieldAt, resourceFields, type ResourceKind, type SchemaDocuments } from '../../../../schema/src/fields';
import { packageRoot } from '../../../../schema/src/paths';
import type { CtyType } from '../cty';
import type { Attribute } from '../schema';
import { resourceSchema } from '../schema-gen';

export const PROPS_FILE = path.join('provider', 'src', 'terraform', 'cdktf', 'props.ts');

const KINDS: ResourceKind[] = ['volume', 'app', 'volume-snapshot'];

const camel = (attribute: string) => fromKebab(toKebab(attribute, 'snake'), 'camel');
const pascal = (attribute: string) => camel(attribute).replace(/^[a-z]/, (c) => c.toUpperCase());

class Writer {
  readonly interfaces: string[] = [];

  constructor(
    private readonly kind: ResourceKind,
    private readonly docs: SchemaDocuments,
  ) {}

  /** The TypeScript type of an attribute; nested attributes become interfaces named by their path (AppModeFlash). */
  typeOf(a: Attribute, at: string[]): string {
    if (a.nested) {
      const name = this.interfaceOf(a.nested.attributes, at);
      return a.nested.nesting === 'single' ? name : a.nested.nesting === 'list' ? `${name}[]` : `{ [key: string]: ${name} }`;
    }
    return this.ctyType(a.type as CtyType, at);
  }

  ctyType(type: CtyType, at: string[]): string {
    if (type === 'string') return this.enumOf(at) ?? 'string';
    if (type === 'number') return 'number';
    if (type === 'bool') return 'boolean';
    if (Array.isArray(type) && type[0] === 'list') return `${this.ctyType(type[1], [...at, '[]'])}[]`;
    if (Array.isArray(type) && type[0] === 'map') return `{ [key: string]: ${this.ctyType(type[1], [...at, '{}'])} }`;
    throw new Error(`${at.join('.')}: no TypeScript type for ${JSON.stringify(type)}`);
  }

  /** A closed set of strings in the schema is a union of literals. */
  enumOf(at: string[]): string | undefined {
    const field = fieldAt(resourceFields(this.kind, this.docs), at);
    return field?.shape.kind === 'scalar' && field.shape.enum ? field.shape.enum.map((v) => JSON.stringify(v)).join(' | ') : undefined;
  }

  interfaceOf(attributes: Attribute[], at: string[]): string {
    const name = [this.kind, ...at.filter((p) => p !== '[]' && p !== '{}')].map(pascal).join('');
    this.interfaces.push(`export interface ${name} {\n${this.members(attributes, at)}}\n`);
    return name;
  }

  members(attributes: Attribute[], at: string[]): string {
    return attributes
      .filter((a) => a.required || a.optional)
      .map((a) => {
        const key = fieldName(a.name, 'snake');
        const inner = this.typeOf(a, [...at, ...(a.nested?.nesting === 'list' ? [key, '[]'] : a.nested?.nesting === 'map' ? [key, '{}'] : [key])]);
        const doc = a.description ? `  /** ${a.description.replace(/\*\//g, '*\\/')} */\n` : '';
        return `${doc}  readonly ${camel(a.name)}${a.required ? '' : '?'}: ${inner};\n`;
      })
      .join('');
  }
}

/** Configurable attributes whose object keys are user data (environment variables, service names), never renamed. */
function dataMaps(attributes: Attribute[]): string[] {
  return attributes
    .filter((a) => a.required || a.optional)
    .flatMap((a) => [
      ...((Array.isArray(a.type) && a.type[0] === 'map') || a.nested?.nesting === 'map' ? [a.name] : []),
      ...(a.nested ? dataMaps(a.nested.attributes) : []),
    ]);
}

/** The text of props.ts for these schema documents. */
export async function generateProps(docs: SchemaDocuments = bundledDocuments()): Promise<string> {
  const parts: string[] = [];
  const maps = new Set<string>();
  for (const kind of KINDS) {
    const w = new Writer(kind, docs);
    const attributes = resourceSchema(kind, docs).attributes;
    const config = `export interface ${pascal(kind)}Config extends TerraformMetaArguments {\n${w.members(attributes, [])}}\n`;
    parts.push(...w.interfaces, config);
    for (const m of dataMaps(attributes)) maps.add(m);
  }
  const text = [
    '// Generated from schema/*.schema.json by `make docs` (provider/src/terraform/cdktf/props-gen.ts); do not edit.',
    "import type { TerraformMetaArguments } from 'cdktf';",
    '',
    ...parts,
    '/** Attributes whose object keys are user data (variable and service names): never renamed. */',
    `export const DATA_MAPS: readonly string[] = ${JSON.stringify([...maps].sort())};`,
  ].join('\n');
  const options = await prettier.resolveConfig(path.join(packageRoot(), PROPS_FILE));
  return prettier.format(text, { ...options, parser: 'typescript' });
}

if (require.main === module) {
  void generateProps().then((text) => {
    const target = path.join(packageRoot(), PROPS_FILE);
    if (process.argv.includes('--write')) fs.writeFileSync(target, text);
    else process.stdout.write(text);
  });
}
