// Keyboard shortcuts of the page. Keys typed into a control (inputs, selects, buttons,
// summaries, editable text) belong to that control; so do keys with a modifier.

const CONTROLS = 'input, select, textarea, button, summary, [contenteditable]';

/**
 * Calls `keys[e.key]()` for a key pressed outside any control. A handler that returns
 * false did not use the key (its default action then goes on).
 */
export function bindKeys(keys, target = window) {
  target.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t && t.closest && t.closest(CONTROLS)) return;
    const handler = Object.hasOwn(keys, e.key) ? keys[e.key] : null;
    if (!handler || handler() === false) return;
    e.preventDefault();
  });
}
