/** A small element builder: the pages are plain DOM, no framework. */
export type Child = Node | string | number | null | undefined | false;
export type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

export interface Column<Row> {
  title: string;
  cell: (row: Row) => Child | Child[];
  /** Numbers align right. */
  numeric?: boolean;
}

export function table<Row>(columns: Array<Column<Row>>, rows: Row[], attributes: Attributes = {}): HTMLTableElement {
  return h(
    'table',
    attributes,
    h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', { class: column.numeric ? 'num' : undefined }, column.title)))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...columns.map((column) => h('td', { class: column.numeric ? 'num' : undefined }, ...[column.cell(row)].flat()))))),
  );
}

export function section(title: string, attributes: Attributes, ...children: Child[]): HTMLElement {
  return h('section', attributes, h('h2', {}, title), ...children);
}
