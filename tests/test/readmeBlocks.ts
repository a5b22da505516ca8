// Extracts the TypeScript code blocks of a Markdown file, with the line each one starts on.

/** One fenced ```ts / ```typescript block. */
export interface CodeBlock {
  /** 1-based line of the first line of code (the line after the opening fence). */
  line: number;
  code: string;
}

const OPEN = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\s*$/;

/** Every ```ts or ```typescript block, in order. Other languages are not TypeScript and are skipped. */
export function typescriptBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i] ?? '');
    if (!open) {
      // Skip over fences of other languages so their contents are never read as ours.
      const other = /^\s*(`{3,}|~{3,})/.exec(lines[i] ?? '');
      if (other) {
        const fence = other[1] as string;
        i++;
        while (i < lines.length && !(lines[i] ?? '').trim().startsWith(fence)) i++;
      }
      continue;
    }
    const indent = open[1]?.length ?? 0;
    const fence = open[2] as string;
    const body: string[] = [];
    const start = i + 2;
    i++;
    while (i < lines.length && !(lines[i] ?? '').trim().startsWith(fence)) {
      body.push((lines[i] ?? '').slice(indent));
      i++;
    }
    blocks.push({ line: start, code: body.join('\n') });
  }
  return blocks;
}
