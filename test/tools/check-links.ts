// `make lint`'s Markdown link check: every relative link in every tracked *.md
// must name a file or folder that exists (anchors and web links are not followed).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

export function danglingLinks(root: string): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.includes('node_modules/'));
  const problems: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const match of text.matchAll(LINK)) {
      const target = match[1];
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const clean = decodeURIComponent(target.split('#')[0]);
      const resolved = path.resolve(path.dirname(path.join(root, file)), clean);
      if (!fs.existsSync(resolved)) problems.push(`${file}: dangling link ${target}`);
    }
  }
  return problems;
}

if (require.main === module) {
  const problems = danglingLinks(process.cwd());
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log('markdown links: all resolve');
}
