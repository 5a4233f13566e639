// Keyboard shortcuts of the page. They work whatever has focus — a button just clicked, a
// ticked overlay box, the speed menu — except where keys are typed as text (text and number
// fields, text areas, editable text) and keys with a modifier (browser shortcuts).
// Listening in the capture phase lets a shortcut win over a focused control's own use of the
// key (Space would otherwise press the focused button or tick the focused box).

const TYPING = 'textarea, [contenteditable]:not([contenteditable="false"])';
const TEXT_INPUTS = new Set(['text', 'number', 'search', 'email', 'url', 'password', 'tel', 'date', 'time', 'datetime-local', 'month', 'week']);

/** Whether keys pressed while `t` has focus are typed into it as text. */
export function isTextEntry(t) {
  if (!t || !t.closest) return false;
  if (t.closest(TYPING)) return true;
  return t.tagName === 'INPUT' && TEXT_INPUTS.has((t.type || 'text').toLowerCase());
}

/**
 * Calls `keys[e.key]()` for a key pressed anywhere but in a text field. A handler that
 * returns false did not use the key (its default action then goes on).
 */
export function bindKeys(keys, target = window) {
  target.addEventListener(
    'keydown',
    (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (isTextEntry(e.target)) return;
      const handler = Object.hasOwn(keys, e.key) ? keys[e.key] : null;
      if (!handler || handler() === false) return;
      e.preventDefault();
      e.stopPropagation();
    },
    true,
  );
  // A focused button or checkbox acts on Space at keyup: the shortcut already used it.
  target.addEventListener(
    'keyup',
    (e) => {
      if (e.key === ' ' && Object.hasOwn(keys, ' ') && !isTextEntry(e.target) && !(e.altKey || e.ctrlKey || e.metaKey)) e.preventDefault();
    },
    true,
  );
}
