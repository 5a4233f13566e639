// The embeddable figure (embed.html): the page's own markup and modules with everything but
// the canvas, play and the timeline hidden, sized to its iframe. Its hash is the page's state
// plus three keys of its own: play=1 (start playing), stage=NAME (stop at the end of that
// stage) and controls=min|full. The markup comes from index.html, so the two never drift.

const own = new URLSearchParams(location.hash.replace(/^#/, ''));
const options = { play: own.get('play') === '1', stage: own.get('stage'), controls: own.get('controls') || 'min' };
for (const k of ['play', 'stage', 'controls']) own.delete(k);
history.replaceState(null, '', own.toString() ? `#${own}` : location.pathname + location.search);

document.body.classList.toggle('controls-min', options.controls !== 'full');

async function start() {
  const response = await fetch(new URL('../index.html', import.meta.url));
  if (!response.ok) throw new Error(`index.html: HTTP ${response.status}`);
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  page.querySelectorAll('script, noscript').forEach((s) => s.remove());
  document.body.replaceChildren(...[...page.body.childNodes].map((n) => document.adoptNode(n)));
  await import('./main.js');
  const h = await ready();
  if (options.stage) {
    const s = h.app.model?.stages.find((x) => x.stage === options.stage);
    if (s) await h.goto(s.last);
  }
  if (options.play) h.play();
}

/** Resolves to window.hardmax once the first model is on screen. */
function ready() {
  return new Promise((resolve) => {
    const check = () => (window.hardmax?.state().ready ? resolve(window.hardmax) : setTimeout(check, 30));
    check();
  });
}

start().catch((err) => {
  document.body.textContent = `This figure could not start: ${err.message}`;
  console.warn('hardmax embed', err);
});
