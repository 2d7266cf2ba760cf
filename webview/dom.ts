/** A tiny element builder: text goes in as text nodes, never as HTML, so data from files cannot inject markup. */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; title?: string; onclick?: (e: MouseEvent) => void; [attr: `data-${string}`]: string } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'onclick') el.addEventListener('click', value as EventListener);
    else if (key === 'class') el.className = value as string;
    else el.setAttribute(key, value as string);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

export function button(label: string, onclick: () => void, title?: string, cls = ''): HTMLButtonElement {
  const b = h('button', { class: cls, title, onclick: () => onclick() }, label);
  b.type = 'button';
  return b;
}

export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '–';
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(1);
}

export function pct(x: number | null): string {
  return x === null ? '–' : `${(100 * x).toFixed(1)}%`;
}
