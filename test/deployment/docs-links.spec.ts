import { existsSync, readdirSync, readFileSync } from 'fs';
import { dirname, join, relative } from 'path';

const ROOT = join(__dirname, '..', '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

/** The page's lines outside fenced code blocks, where a `#` starts a shell comment, not a heading. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every inline link target of the page's prose (code spans and fenced blocks left out). */
function linksOf(markdown: string): string[] {
  const prose = proseLines(markdown)
    .join('\n')
    .replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
}

/** A relative link's problem, or null when its file (and anchor) exist. */
function brokenLink(page: string, target: string): string | null {
  if (/^[a-z]+:/i.test(target)) return null; // http(s), mailto: not this repository's to check
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), path);
  if (!existsSync(file)) return `${target}: no file ${relative(ROOT, file)}`;
  if (anchor === undefined) return null;
  if (!file.endsWith('.md')) return `${target}: an anchor into a file that is not Markdown`;
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor) ? null : `${target}: no heading makes #${anchor}`;
}

describe('README and docs/', () => {
  it.each(PAGES)('%s: every relative link reaches an existing file and heading', (page) => {
    const links = linksOf(readFileSync(join(ROOT, page), 'utf8'));
    expect(links.map((target) => brokenLink(page, target)).filter((problem) => problem !== null)).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const links = new Set(linksOf(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((target) => target.split('#')[0]));
    expect(PAGES.filter((page) => page !== 'README.md' && !links.has(page))).toEqual([]);
  });

  it('the README stays a front door: at most 350 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(350);
  });

  it('the anchors are those GitHub makes', () => {
    expect([
      ...anchorsOf("# Two commands\n## Walk-through: one payout, from the bot's POST\n```sh\n# 1. a comment\n```\n## Two commands"),
    ]).toEqual(['two-commands', 'walk-through-one-payout-from-the-bots-post', 'two-commands-1']);
  });
});
