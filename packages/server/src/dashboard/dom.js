// @ts-check
// The only way the dashboard builds its page: elements from tag names, text through text nodes. Partner ids,
// reasons and pasted values are attacker-controlled, so nothing here ever parses a string as HTML.

const SVG = 'http://www.w3.org/2000/svg';

/**
 * One child of `h` and `svg`: a node, text (a number or string becomes a text node), or `false`, `null` or
 * `undefined` for "nothing here".
 * @typedef {Node | string | number | boolean | null | undefined} Leaf
 */

/**
 * What `h` and `svg` take as children: leaves, and arrays of them two levels deep (a list of rows, a list of lists).
 * @typedef {Leaf | readonly Leaf[] | readonly (readonly Leaf[])[]} Child
 */

/**
 * Properties and attributes: a function for an `on*` key, anything else becomes a string attribute (or, for `value`,
 * `checked`, `disabled` and `hidden`, the element's property); `false`, `null` and `undefined` are left out.
 * @typedef {Record<string, unknown>} Props
 */

/**
 * Sets properties and attributes on an element. `on*` keys take functions (listeners); `class`, `for`, `aria-*`,
 * `data-*` and the rest become attributes. String values are never interpreted as markup.
 */
/**
 * @param {Element} element
 * @param {Props | null | undefined} props
 */
function apply(element, props) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'hidden') {
      Reflect.set(element, key, value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

/**
 * @param {Element} element
 * @param {readonly Child[]} children
 */
function append(element, children) {
  for (const child of children.flat(2)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * An HTML element: `h('button', { type: 'button', onclick }, 'Revoke')`.
 * @template {keyof HTMLElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[Tag]}
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  apply(element, props);
  append(element, children);
  return element;
}

/**
 * An SVG element, the same way.
 * @template {keyof SVGElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[Tag]}
 */
export function svg(tag, props, ...children) {
  const element = document.createElementNS(SVG, tag);
  apply(element, props);
  append(element, children);
  return element;
}

/**
 * Replaces the children of `element`.
 * @param {Element} element
 * @param {...Child} children
 */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/**
 * `document.getElementById`, failing loudly when the page and the script disagree: the element must exist and be a
 * `type` (default `HTMLElement`), e.g. `byId('token', HTMLInputElement).value`.
 * @template {HTMLElement} [Type=HTMLElement]
 * @param {string} id
 * @param {{ new (): Type; prototype: Type }} [type]
 * @returns {Type}
 */
export function byId(id, type) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  if (!(element instanceof (type ?? HTMLElement))) throw new Error(`#${id} is not a ${type?.name}`);
  return /** @type {Type} */ (element);
}
