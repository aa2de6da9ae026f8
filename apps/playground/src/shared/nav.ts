import { h } from './dom';
import './style.css';

const PAGES = [
  ['index.html', 'Home'],
  ['masks.html', 'Masks'],
  ['validate.html', 'Validate'],
  ['train.html', 'Train & chat'],
  ['checkpoint.html', 'Open a checkpoint'],
] as const;

/** The header every page shares, with the current page marked. */
export function mountNav(current: (typeof PAGES)[number][0]): void {
  const nav = h(
    'nav',
    { class: 'top' },
    h('strong', {}, 'vlm playground'),
    ...PAGES.map(([href, label]) => h('a', { href, class: href === current ? 'current' : undefined, 'aria-current': href === current ? 'page' : undefined }, label)),
  );
  document.body.prepend(nav);
}
