/** Colour decisions: NO_COLOR wins, then FORCE_COLOR, then whether the stream is a terminal. */
import pc from 'picocolors';

export interface MaybeTty {
  isTTY?: boolean;
}

/**
 * Whether output to `stream` should be coloured. NO_COLOR (any non-empty value, per
 * no-color.org) turns colours off; FORCE_COLOR (other than "0"/"false") turns them on;
 * otherwise only a TTY with TERM other than "dumb" gets colours.
 */
export function colorEnabled(stream: MaybeTty = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export type Tone = 'good' | 'bad' | 'warn' | 'muted' | 'plain';

export interface Painter {
  enabled: boolean;
  tone(tone: Tone, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export function painter(enabled: boolean): Painter {
  const c = pc.createColors(enabled);
  const tones: Record<Tone, (s: string) => string> = {
    good: c.green,
    bad: c.red,
    warn: c.yellow,
    muted: c.dim,
    plain: (s) => s,
  };
  return {
    enabled,
    tone: (tone, text) => (text === '' ? text : tones[tone](text)),
    bold: c.bold,
    dim: c.dim,
  };
}

/** Resolves the `color` option against the stream and environment. */
export function resolveColor(color: boolean | undefined, stream?: MaybeTty, env?: NodeJS.ProcessEnv): boolean {
  return color ?? colorEnabled(stream, env);
}
