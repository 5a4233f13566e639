// Presenter mode (#present=1, key P): the canvas and its caption fill the screen in big type
// for the back of a lecture hall; the controls appear while the pointer moves or a control
// has focus, and hide again. A high-contrast option (#contrast=1) and B for a black screen.

/** How long the controls stay after the pointer last moved (ms). */
const CONTROLS_LINGER_MS = 2500;

export class Presenter {
  /**
   * @param button     the header's "Present" toggle
   * @param state      the page state (present, contrast are written to it)
   * @param wroteState () => the URL should be written
   */
  constructor({ button, state, wroteState }) {
    Object.assign(this, { button, state, wroteState });
    this.bar = buildBar();
    document.body.append(this.bar.root, this.bar.black);
    button.addEventListener('click', () => this.set(!this.on));
    this.bar.exit.addEventListener('click', () => this.set(false));
    this.bar.contrast.addEventListener('change', () => this.setContrast(this.bar.contrast.checked));
    this.bar.black.addEventListener('click', () => this.blackout(false));
    let timer = 0;
    addEventListener('pointermove', () => {
      if (!this.on) return;
      document.body.classList.add('show-controls');
      clearTimeout(timer);
      timer = setTimeout(() => document.body.classList.remove('show-controls'), CONTROLS_LINGER_MS);
    });
  }

  get on() {
    return document.body.classList.contains('presenting');
  }

  /** Turns presenter mode on or off. Returns true (the key was used). */
  set(on) {
    document.body.classList.toggle('presenting', Boolean(on));
    this.button.setAttribute('aria-pressed', String(Boolean(on)));
    this.bar.root.hidden = !on;
    if (!on) this.blackout(false);
    this.state.present = Boolean(on);
    this.wroteState();
    return true;
  }

  setContrast(on) {
    document.body.classList.toggle('contrast', Boolean(on));
    this.bar.contrast.checked = Boolean(on);
    this.state.contrast = Boolean(on);
    this.wroteState();
  }

  /** A black screen (B), as slide software does; any key or click brings the picture back. */
  blackout(on = this.bar.black.hidden) {
    if (on && !this.on) return false;
    this.bar.black.hidden = !on;
    return true;
  }

  /** Brings the page to the state's present and contrast values. */
  sync() {
    if (Boolean(this.state.present) !== this.on) this.set(this.state.present);
    if (Boolean(this.state.contrast) !== document.body.classList.contains('contrast')) this.setContrast(this.state.contrast);
  }
}

function buildBar() {
  const root = document.createElement('div');
  root.className = 'present-bar';
  root.hidden = true;
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', 'presenter mode');
  const label = document.createElement('label');
  label.className = 'check';
  const contrast = document.createElement('input');
  contrast.type = 'checkbox';
  contrast.id = 'present-contrast';
  label.append(contrast, ' high contrast');
  const exit = document.createElement('button');
  exit.type = 'button';
  exit.id = 'present-exit';
  exit.textContent = 'Exit presenter mode (P)';
  root.append(label, exit);
  const black = document.createElement('div');
  black.className = 'blackout';
  black.id = 'blackout';
  black.hidden = true;
  black.setAttribute('aria-label', 'black screen: press B or click to return');
  return { root, contrast, exit, black };
}
