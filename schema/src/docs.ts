// docs/resources/*.md, generated from the JSON Schemas: one page per resource
// with every attribute (type, default, required, what a change does, secrecy)
// and the resource in YAML, Pulumi TypeScript and HCL. `make docs` writes them;
// docs.test.ts fails when the committed pages are stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { frontEndName } from './casing';
import type { ChangeRule, SchemaNode } from './fields';
import { terraformDocFiles, terraformSection } from './docs-terraform';
import { CRD_FILE, crdManifest } from './crd';
import { packageRoot, schemaDir } from './paths';

interface Row {
  path: string[];
  node: SchemaNode;
  required: boolean;
  rule?: ChangeRule;
}

/** Each resource's page: its names, its document in the seed's YAML (a snapshot has none: the CLI takes it) and the Pulumi example its statement comes from. */
const RESOURCES = [
  { kind: 'volume', title: 'Volume', tf: 'lttle_volume', pulumi: 'lttle.Volume', yamlDoc: 0, program: 'pulumi-postgres', id: 'namespace/name' },
  { kind: 'app', title: 'App', tf: 'lttle_app', pulumi: 'lttle.App', yamlDoc: 1, program: 'pulumi-postgres', id: 'namespace/name' },
  {
    kind: 'volume-snapshot',
    title: 'VolumeSnapshot',
    tf: 'lttle_volume_snapshot',
    pulumi: 'lttle.VolumeSnapshot',
    yamlDoc: undefined,
    program: 'pulumi-snapshots',
    id: 'namespace/volume/name',
  },
] as const;

/** The CLI's way to the same snapshot: there is no YAML document of one. */
const SNAPSHOT_CLI = `lttle volume snapshot create --ns samples pgdata before-migration
lttle volume snapshot list --ns samples pgdata
lttle volume snapshot restore --ns samples pgdata before-migration   # the rollback: an action, so the CLI's
lttle volume snapshot rm --ns samples pgdata before-migration`;

const RULE_TEXT: Record<ChangeRule, string> = {
  replace: 'replaces the resource (deleted first: names are unique on a host)',
  redeploy: 'updates in place: the app boots a new machine, volumes keep their data',
  live: 'updates in place, without a reboot',
  grow: 'grows in place; shrinking is refused at plan time',
};

function load(kind: string): SchemaNode {
  return JSON.parse(fs.readFileSync(path.join(schemaDir(), `${kind}.schema.json`), 'utf8')) as SchemaNode;
}

/** Follows `$ref`s (relative to `file`, the schema the node sits in); the referring node's own keywords win. */
function resolve(node: SchemaNode, file: string): SchemaNode {
  if (!node.$ref) return node;
  const [target, pointer] = node.$ref.split('#');
  const inFile = target || file;
  const doc = JSON.parse(fs.readFileSync(path.join(schemaDir(), inFile), 'utf8')) as Record<string, unknown>;
  const found = pointer
    .split('/')
    .filter(Boolean)
    .reduce<Record<string, unknown>>((at, key) => at[key] as Record<string, unknown>, doc) as SchemaNode;
  return { ...resolve(found, inFile), ...node, $ref: undefined };
}

/** Attributes depth first; objects whose keys are user data (environment, expose) document their values under `<key>`. */
function rows(file: string, node: SchemaNode, prefix: string[] = [], requiredHere: string[] = []): Row[] {
  const out: Row[] = [];
  for (const [name, raw] of Object.entries(node.properties ?? {})) {
    const child = resolve(raw, file);
    const at = [...prefix, name];
    out.push({ path: at, node: child, required: requiredHere.includes(name), rule: prefix.length ? undefined : child['x-on-change'] });
    const inner = child.else ?? child;
    if (inner.properties) out.push(...rows(file, inner, at, inner.required ?? []));
    const values = typeof inner.additionalProperties === 'object' ? resolve(inner.additionalProperties, file) : undefined;
    if (values?.properties) out.push(...rows(file, values, [...at, '<key>'], values.required ?? []));
    if (inner.items?.properties) out.push(...rows(file, inner.items, [...at, '[]'], inner.items.required ?? []));
  }
  return out;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.includes('array')) return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  if (types.includes('object') && typeof node.additionalProperties === 'object') return 'map';
  return types.filter((t) => t !== 'null').join(' or ') || 'see description';
}

function spell(p: string[], casing: 'camel' | 'snake'): string {
  return p
    .map((part) => {
      if (part.startsWith('<') || part === '[]') return part;
      return frontEndName(part, casing);
    })
    .join('.')
    .replace(/\.\[\]/g, '[]');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(list: Row[]): string {
  const lines = ['| YAML | Pulumi | Terraform | type | default | required | on change | description |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of list) {
    const description = [r.node.description ?? r.node['x-expect'] ?? '', r.node['x-secret'] ? '**Sensitive**: masked in output and plans, never logged.' : '']
      .filter(Boolean)
      .join(' ');
    lines.push(
      [
        `\`${r.path.join('.').replace(/\.\[\]/g, '[]')}\``,
        `\`${spell(r.path, 'camel')}\``,
        `\`${spell(r.path, 'snake')}\``,
        cell(typeOf(r.node)),
        r.node.default === undefined ? '' : `\`${JSON.stringify(r.node.default)}\``,
        r.required ? 'yes' : '',
        r.rule ? RULE_TEXT[r.rule] : '',
        cell(description),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    );
  }
  return lines.join('\n');
}

function read(...parts: string[]): string {
  return fs.readFileSync(path.join(packageRoot(), ...parts), 'utf8').trimEnd();
}

/** The resource's document of the seed (examples/postgres), its Pulumi statement and its HCL example. */
function examples(resource: (typeof RESOURCES)[number]): { yaml: string; ts: string; hcl: string; importSh: string } {
  const yaml = resource.yamlDoc === undefined ? '' : read('examples', 'postgres', 'postgresql.lttle.yaml').split(/^---$/m)[resource.yamlDoc].trim();
  const program = read('examples', resource.program, 'index.ts');
  const ts = new RegExp(`^const \\w+ = new ${resource.pulumi.replace('.', '\\.')}\\([\\s\\S]*?^\\}\\);`, 'm').exec(program)?.[0];
  if (!ts) throw new Error(`examples/${resource.program}/index.ts has no \`new ${resource.pulumi}(...)\``);
  return { yaml, ts, hcl: read('examples', 'resources', resource.tf, 'resource.tf'), importSh: read('examples', 'resources', resource.tf, 'import.sh') };
}

export function renderResourceDoc(kind: (typeof RESOURCES)[number]['kind']): string {
  const resource = RESOURCES.find((r) => r.kind === kind)!;
  const schema = load(kind);
  const ex = examples(resource);
  const cli = ex.yaml
    ? `YAML (\`lttle deploy FILE\`):\n\n\`\`\`yaml\n${ex.yaml}\n\`\`\``
    : `The CLI (a snapshot has no YAML document):\n\n\`\`\`sh\n${SNAPSHOT_CLI}\n\`\`\``;
  return `<!-- Generated from schema/${kind}.schema.json by \`make docs\`; do not edit. -->
# ${resource.title} (\`${resource.tf}\`, \`${resource.pulumi}\`)

${schema.description ?? ''}

Its ID is \`${resource.id}\`. The same attributes are spelled in kebab-case in
YAML documents, camelCase in Pulumi and snake_case in Terraform.

## Example

${cli}

Pulumi (TypeScript):

\`\`\`ts
${ex.ts}
\`\`\`

Terraform (HCL):

\`\`\`hcl
${ex.hcl}
\`\`\`

## Attributes

${table(rows(`${kind}.schema.json`, schema, [], schema.required ?? []))}

${terraformSection(kind)}
## Import

\`\`\`sh
${ex.importSh}
pulumi import ${resource.pulumi.replace('lttle.', 'lttle:index:')} NAME ${resource.id}
\`\`\`
`;
}

export function docFiles(): Record<string, string> {
  return {
    ...Object.fromEntries(RESOURCES.map((r) => [path.join('docs', 'resources', `${r.kind}.md`), renderResourceDoc(r.kind)])),
    ...terraformDocFiles(),
    [CRD_FILE]: crdManifest(),
  };
}

if (require.main === module) {
  for (const [file, text] of Object.entries(docFiles())) {
    const target = path.join(packageRoot(), file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (process.argv.includes('--write')) fs.writeFileSync(target, text);
    else process.stdout.write(text);
  }
}
