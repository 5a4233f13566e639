// Import (file input, drag and drop) and export (Blob downloads) — no knowledge of the
// engine beyond the format names it understands.

export const FORMATS = ['json', 'csv', 'ts'];

/** The engine format of a file name, from its extension, or null. */
export function formatOf(fileName) {
  const m = /\.([A-Za-z0-9]+)$/.exec(fileName || '');
  const ext = m ? m[1].toLowerCase() : '';
  return FORMATS.includes(ext) ? ext : null;
}

/** Reads a File into { name, format, text }; rejects with a plain message. */
export async function readDataFile(file) {
  const format = formatOf(file.name);
  if (!format) {
    throw new Error(`cannot read "${file.name}": expected a .json, .csv or .ts file`);
  }
  const text = await file.text();
  return { name: file.name, format, text };
}

/** Offers a Blob as a download with the given file name. */
export function downloadBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function downloadText(text, fileName, type) {
  downloadBlob(new Blob([text], { type }), fileName);
}

export function downloadCanvasPng(canvas, fileName) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the browser could not encode the picture'));
      downloadBlob(blob, fileName);
      resolve();
    }, 'image/png'),
  );
}

/**
 * Accepts files dropped onto `target`; calls onFile(file) for the first one. Adds the
 * class "dragover" while something hovers.
 */
export function enableDrop(target, onFile) {
  let depth = 0;
  target.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth++;
    target.classList.add('dragover');
  });
  target.addEventListener('dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) target.classList.remove('dragover');
  });
  target.addEventListener('drop', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth = 0;
    target.classList.remove('dragover');
    const file = ev.dataTransfer.files[0];
    if (file) onFile(file);
  });
}

function hasFiles(ev) {
  return Array.from(ev.dataTransfer?.types || []).includes('Files');
}

/** A file-name-safe stem for exports. */
export function fileStem(name) {
  return String(name || 'hardmax').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'hardmax';
}
