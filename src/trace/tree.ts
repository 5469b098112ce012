/**
 * The process tree of a trace: each exec under the exec whose program started it (or that it replaced).
 * Leaf siblings that ran the same program and inherited the same fds are folded into one node with a
 * count, so a shell loop of 3,000 `true` runs is one line, not 3,000.
 */
import { basename } from 'node:path';
import type { TreeNode } from './collect.ts';

export interface TreeView {
  node: TreeNode;
  /** Siblings folded into this one (1 = itself only). */
  repeat: number;
  /** Those that broke the policy. */
  violating: number;
  children: TreeView[];
}

function foldKey(n: TreeNode): string {
  return `${n.program}\u0000${n.via}\u0000${n.crossed.map((c) => `${c.fd}:${c.type}:${c.target}:${c.bad}`).join('\u0001')}`;
}

/** Whether the exec inherited an fd the policy does not allow. */
export function violates(n: TreeNode): boolean {
  return n.crossed.some((c) => c.bad);
}

function fold(views: TreeView[]): TreeView[] {
  const out: TreeView[] = [];
  for (const v of views) {
    const last = out[out.length - 1];
    if (last && last.children.length === 0 && v.children.length === 0 && foldKey(last.node) === foldKey(v.node)) {
      last.repeat += v.repeat;
      last.violating += v.violating;
    } else {
      out.push(v);
    }
  }
  return out;
}

/** Roots of the tree: COMMAND's exec, and any exec whose parent is not among the nodes. */
export function buildTree(nodes: readonly TreeNode[]): TreeView[] {
  const views = new Map<number, TreeView>();
  for (const n of nodes) views.set(n.id, { node: n, repeat: 1, violating: violates(n) ? 1 : 0, children: [] });
  const roots: TreeView[] = [];
  for (const n of nodes) {
    const v = views.get(n.id) as TreeView;
    const parent = n.parentId === null ? undefined : views.get(n.parentId);
    if (parent && parent !== v) parent.children.push(v);
    else roots.push(v);
  }
  // Bottom-up: a child's subtree is folded before its parent compares children.
  const order: TreeView[] = [];
  const stack = [...roots];
  while (stack.length) {
    const v = stack.pop() as TreeView;
    order.push(v);
    stack.push(...v.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i] as TreeView;
    v.children = fold(v.children);
  }
  return fold(roots);
}

/** A short label: the command as it was typed (argv[0]'s name, then the arguments), cut to `width` characters. */
export function nodeLabel(n: TreeNode, width = 80): string {
  const name = n.argv[0] ? basename(n.argv[0]) : basename(n.program);
  const args = n.argv.slice(1).map((a) => (/[\s'"\\$`]/.test(a) || a === '' ? `'${a.replace(/'/g, "'\\''")}'` : a));
  const text = [name, ...args].join(' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export interface TextTreeOptions {
  /** Lines drawn at most; the rest is counted in a last line. */
  maxLines?: number;
  /** How one node's suffix reads (fds, verdict). */
  suffix?: (v: TreeView) => string;
  width?: number;
}

/** The tree as indented text lines (├─ └─), depth-first. */
export function textTree(roots: readonly TreeView[], options: TextTreeOptions = {}): string[] {
  const max = options.maxLines ?? 200;
  const lines: string[] = [];
  let omitted = 0;
  const walk = (v: TreeView, prefix: string, branch: string, childPrefix: string): void => {
    if (lines.length >= max) {
      omitted += count(v);
      return;
    }
    const repeat = v.repeat > 1 ? ` ×${v.repeat}` : '';
    const inPlace = v.node.via === 'exec' ? ' (exec in place)' : '';
    lines.push(`${prefix}${branch}${nodeLabel(v.node, options.width ?? 80)}${repeat}${inPlace}${options.suffix ? options.suffix(v) : ''}`);
    v.children.forEach((c, i) => {
      const last = i === v.children.length - 1;
      walk(c, prefix + childPrefix, last ? '└─ ' : '├─ ', last ? '   ' : '│  ');
    });
  };
  for (const r of roots) walk(r, '', '', '');
  if (omitted) lines.push(`… ${omitted} more exec${omitted === 1 ? '' : 's'} (trace.json has them all)`);
  return lines;
}

function count(v: TreeView): number {
  return v.repeat + v.children.reduce((n, c) => n + count(c), 0);
}
